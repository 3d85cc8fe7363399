#include "last/last_store.hpp"

namespace jabberadmin::last {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE last_logout (
         account TEXT PRIMARY KEY,
         stamp INTEGER NOT NULL,
         status TEXT NOT NULL) WITHOUT ROWID;)",
    "ALTER TABLE last_logout ADD COLUMN login INTEGER;",
};

std::int64_t seconds_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

LastStore::LastStore(store::Database& db) : db_(db) {
  db_.migrate("last", kMigrations);
}

void LastStore::record(std::string_view account, const Logout& logout) {
  auto insert = db_.prepare("INSERT OR REPLACE INTO last_logout(account, stamp, status, login) VALUES (?, ?, ?, ?)");
  insert.bind(1, account).bind(2, seconds_of(logout.when)).bind(3, logout.status);
  if (logout.login) insert.bind(4, seconds_of(*logout.login));
  insert.step();
}

std::optional<Logout> LastStore::find(std::string_view account) {
  auto query = db_.prepare("SELECT stamp, status, login FROM last_logout WHERE account = ?");
  query.bind(1, account);
  if (!query.step()) return std::nullopt;
  const auto at = [](std::int64_t seconds) { return std::chrono::system_clock::time_point(std::chrono::seconds(seconds)); };
  Logout logout{at(query.integer(0)), query.text(1), std::nullopt};
  if (!query.is_null(2)) logout.login = at(query.integer(2));
  return logout;
}

}  // namespace jabberadmin::last
