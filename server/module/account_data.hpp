// What the modules keep per account, and the one event that removes it: an account gone
// from the directory (deleted, or deleted and re-created under its old name). The roster
// module tells it (roster/account_removal: it follows the directory, sweeps at start for
// accounts deleted while the server was down, and purges its own tables first); every
// module that keeps rows per account registers a Keeper and answers it, so no module
// reaches into another's tables (the offline messages are the offline module's).
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "util/hooks.hpp"
#include "util/registration.hpp"

namespace jabberadmin::module {

class AccountData {
 public:
  struct Keeper {
    std::string name;  // for the log: "offline messages"
    // Adds the bare JIDs it keeps anything for: the sweep at start looks among them for
    // accounts the directory no longer has.
    std::function<void(std::set<std::string>& bare_jids)> known;
    // Removes everything it keeps for these bare JIDs (one account, on every served host);
    // returns how many rows went, for the log.
    std::function<std::size_t(const std::vector<std::string>& bare_jids)> remove;
  };
  util::Registration keep(Keeper keeper);

  // A keeper for a table with one row set per account, keyed by its bare JID in column
  // (table and column are the module's own constants, never input).
  static Keeper rows_of(std::string name, store::Database& db, std::string table, std::string column);
  // A keeper for data kept by account name (the same on every served host): names() lists
  // the names it keeps data for, remove(name) removes one's and returns the rows that went.
  static Keeper by_name(std::string name, std::string host, std::function<std::vector<std::string>()> names,
                        std::function<std::size_t(const std::string& name)> remove);

  // Every bare JID some keeper holds data for.
  std::set<std::string> known() const;
  // The account of these bare JIDs was removed from the directory: each keeper removes its
  // data (one that fails is logged and does not stop the others). Rows removed in all.
  std::size_t removed(const std::vector<std::string>& bare_jids) const;

 private:
  util::Hooks<std::set<std::string>&> known_;
  util::Hooks<const std::vector<std::string>&, std::size_t&> removed_;
};

}  // namespace jabberadmin::module
