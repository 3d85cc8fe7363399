#include "last/last_store.hpp"

namespace jabberadmin::last {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE last_logout (
         account TEXT PRIMARY KEY,
         stamp INTEGER NOT NULL,
         status TEXT NOT NULL) WITHOUT ROWID;)",
};

}  // namespace

LastStore::LastStore(store::Database& db) : db_(db) {
  db_.migrate("last", kMigrations);
}

void LastStore::record(std::string_view account, const Logout& logout) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(logout.when.time_since_epoch()).count();
  db_.prepare("INSERT OR REPLACE INTO last_logout(account, stamp, status) VALUES (?, ?, ?)")
      .bind(1, account)
      .bind(2, static_cast<std::int64_t>(seconds))
      .bind(3, logout.status)
      .step();
}

std::optional<Logout> LastStore::find(std::string_view account) {
  auto query = db_.prepare("SELECT stamp, status FROM last_logout WHERE account = ?");
  query.bind(1, account);
  if (!query.step()) return std::nullopt;
  return Logout{std::chrono::system_clock::time_point(std::chrono::seconds(query.integer(0))), query.text(1)};
}

}  // namespace jabberadmin::last
