#include "offline/offline_store.hpp"

namespace jabberadmin::offline {
namespace {

// Only ever appended to. The first step says IF NOT EXISTS because files written before
// each component had its own migrations already hold the table (from the one shared list):
// such a file is adopted as it is, messages and all.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE IF NOT EXISTS offline (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         user TEXT NOT NULL,
         stamp INTEGER NOT NULL,
         stanza TEXT NOT NULL);
       CREATE INDEX IF NOT EXISTS offline_user ON offline(user, id);)",
};

}  // namespace

OfflineStore::OfflineStore(store::Database& db, std::size_t limit_per_user) : db_(db), limit_(limit_per_user) {
  db_.migrate("offline", kMigrations);
}

bool OfflineStore::contains(std::string_view user, std::string_view stanza) {
  auto st = db_.prepare("SELECT 1 FROM offline WHERE user = ? AND stanza = ? LIMIT 1");
  st.bind(1, user).bind(2, stanza);
  return st.step();
}

bool OfflineStore::store(std::string_view user, std::string_view stanza, std::chrono::system_clock::time_point stamp) {
  if (count(user) >= limit_) return false;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(stamp.time_since_epoch()).count();
  db_.prepare("INSERT INTO offline(user, stamp, stanza) VALUES (?, ?, ?)")
      .bind(1, user)
      .bind(2, static_cast<std::int64_t>(micros))
      .bind(3, stanza)
      .step();
  return true;
}

std::vector<OfflineMessage> OfflineStore::pending(std::string_view user) {
  std::vector<OfflineMessage> out;
  auto query = db_.prepare("SELECT id, stamp, stanza FROM offline WHERE user = ? ORDER BY id");
  query.bind(1, user);
  while (query.step()) {
    const std::chrono::microseconds micros(query.integer(1));
    out.push_back({query.integer(0), std::chrono::system_clock::time_point(micros), query.text(2)});
  }
  return out;
}

std::vector<OfflineMessage> OfflineStore::pending(std::string_view user, std::int64_t after, std::size_t max) {
  std::vector<OfflineMessage> out;
  auto query = db_.prepare("SELECT id, stamp, stanza FROM offline WHERE user = ? AND id > ? ORDER BY id LIMIT ?");
  query.bind(1, user).bind(2, after).bind(3, static_cast<std::int64_t>(max));
  while (query.step()) {
    const std::chrono::microseconds micros(query.integer(1));
    out.push_back({query.integer(0), std::chrono::system_clock::time_point(micros), query.text(2)});
  }
  return out;
}

void OfflineStore::remove_through(std::string_view user, std::int64_t id) {
  db_.prepare("DELETE FROM offline WHERE user = ? AND id <= ?").bind(1, user).bind(2, id).step();
}

std::size_t OfflineStore::remove_users(const std::vector<std::string>& users) {
  std::size_t removed = 0;
  store::Transaction transaction(db_);
  for (const auto& user : users) {
    db_.prepare("DELETE FROM offline WHERE user = ?").bind(1, user).step();
    removed += db_.changes();
  }
  transaction.commit();
  return removed;
}

std::vector<std::string> OfflineStore::users() {
  std::vector<std::string> out;
  auto query = db_.prepare("SELECT DISTINCT user FROM offline");
  while (query.step()) out.push_back(query.text(0));
  return out;
}

std::size_t OfflineStore::total() {
  auto query = db_.prepare("SELECT count(*) FROM offline");
  query.step();
  return static_cast<std::size_t>(query.integer(0));
}

std::size_t OfflineStore::count(std::string_view user) {
  auto query = db_.prepare("SELECT count(*) FROM offline WHERE user = ?");
  query.bind(1, user).step();
  return static_cast<std::size_t>(query.integer(0));
}

}  // namespace jabberadmin::offline
