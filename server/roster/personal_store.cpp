#include "roster/personal_store.hpp"

#include "roster/roster_schema.hpp"

namespace jabberadmin::roster {
namespace {

// Groups are stored as one text column, '\n' between names (a name cannot hold a newline:
// the roster handler refuses it, as RFC 6121 leaves group names to be plain text).
std::string join(const std::vector<std::string>& groups) {
  std::string out;
  for (const auto& g : groups) out += (out.empty() ? "" : "\n") + g;
  return out;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

PersonalItem read_item(const store::Statement& row) {
  return {row.text(0), row.text(1), split(row.text(2)), row.text(3), row.integer(4) != 0};
}

constexpr std::size_t kMaxKept = 10000;  // users whose items are kept

}  // namespace

PersonalStore::PersonalStore(store::Database& db) : db_(db) { migrate_schema(db_); }

std::vector<PersonalItem> PersonalStore::items(std::string_view user) {
  if (const auto it = kept_.find(user); it != kept_.end()) return it->second;
  std::vector<PersonalItem> out;
  auto query = db_.prepare("SELECT jid, name, groups, subscription, ask FROM roster WHERE user = ? ORDER BY jid");
  query.bind(1, user);
  while (query.step()) out.push_back(read_item(query));
  // Bounded even if forget() were never called: a fresh start costs one query a user.
  if (kept_.size() >= kMaxKept) kept_.clear();
  kept_.emplace(std::string(user), out);
  return out;
}

void PersonalStore::forget(std::string_view user) {
  if (const auto it = kept_.find(user); it != kept_.end()) kept_.erase(it);
}

void PersonalStore::forget_all() { kept_.clear(); }

std::optional<PersonalItem> PersonalStore::item(std::string_view user, std::string_view jid) {
  auto query = db_.prepare("SELECT jid, name, groups, subscription, ask FROM roster WHERE user = ? AND jid = ?");
  query.bind(1, user).bind(2, jid);
  if (!query.step()) return std::nullopt;
  return read_item(query);
}

void PersonalStore::put(std::string_view user, const PersonalItem& item) {
  forget(user);
  store::Transaction transaction(db_);
  db_.prepare("INSERT OR REPLACE INTO roster(user, jid, name, groups, subscription, ask) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, user)
      .bind(2, item.jid)
      .bind(3, item.name)
      .bind(4, join(item.groups))
      .bind(5, item.subscription)
      .bind(6, std::int64_t{item.ask})
      .step();
  bump(user);
  transaction.commit();
}

bool PersonalStore::remove(std::string_view user, std::string_view jid) {
  if (!item(user, jid)) return false;
  forget(user);
  store::Transaction transaction(db_);
  db_.prepare("DELETE FROM roster WHERE user = ? AND jid = ?").bind(1, user).bind(2, jid).step();
  bump(user);
  transaction.commit();
  return true;
}

std::int64_t PersonalStore::version(std::string_view user) {
  auto query = db_.prepare("SELECT version FROM roster_version WHERE user = ?");
  query.bind(1, user);
  return query.step() ? query.integer(0) : 0;
}

void PersonalStore::bump(std::string_view user) {
  db_.prepare(
         "INSERT INTO roster_version(user, version) VALUES (?, 1) "
         "ON CONFLICT(user) DO UPDATE SET version = version + 1")
      .bind(1, user)
      .step();
}

}  // namespace jabberadmin::roster
