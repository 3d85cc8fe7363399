// The blocklists in SQLite: table `blocklist`, the "blocking" component's migrations. An
// account is its name on every served host, so a list belongs to the localpart.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "blocking/blocklist.hpp"
#include "store/database.hpp"

namespace jabberadmin::blocking {

class BlocklistStore {
 public:
  // Brings the table up to date.
  explicit BlocklistStore(store::Database& db);

  // Every account's list (accounts without items are absent): read once at start.
  std::map<std::string, Blocklist, std::less<>> load();
  void add(std::string_view account, const std::vector<std::string>& items);
  void remove(std::string_view account, const std::vector<std::string>& items);
  void clear(std::string_view account);

 private:
  store::Database& db_;
};

}  // namespace jabberadmin::blocking
