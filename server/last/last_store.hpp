// When each account last went offline and the status text it left with (XEP-0012), and when
// it had logged in last (XEP-0133), kept in SQLite so that a restart does not forget them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "store/database.hpp"

namespace jabberadmin::last {

struct Logout {
  std::chrono::system_clock::time_point when;
  std::string status;
  // When the latest of the sessions that ended then had logged in (none: recorded before
  // logins were kept).
  std::optional<std::chrono::system_clock::time_point> login;
};

class LastStore {
 public:
  // Brings the last_logout table up to date (the "last" migrations).
  explicit LastStore(store::Database& db);
  void record(std::string_view account, const Logout& logout);
  std::optional<Logout> find(std::string_view account);

 private:
  store::Database& db_;
};

}  // namespace jabberadmin::last
