#include "private/private_store.hpp"

namespace jabberadmin::private_storage {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE private_storage (
         account TEXT NOT NULL,
         name TEXT NOT NULL,
         xmlns TEXT NOT NULL,
         data TEXT NOT NULL,
         PRIMARY KEY (account, name, xmlns)) WITHOUT ROWID;)",
};

}  // namespace

PrivateStore::PrivateStore(store::Database& db, std::size_t limit_per_account) : db_(db), limit_(limit_per_account) {
  db_.migrate("private", kMigrations);
}

std::optional<std::string> PrivateStore::get(std::string_view account, std::string_view name, std::string_view xmlns) {
  auto query = db_.prepare("SELECT data FROM private_storage WHERE account = ? AND name = ? AND xmlns = ?");
  query.bind(1, account).bind(2, name).bind(3, xmlns);
  if (!query.step()) return std::nullopt;
  return query.text(0);
}

bool PrivateStore::set(std::string_view account, const std::vector<PrivateItem>& items) {
  store::Transaction transaction(db_);
  for (const PrivateItem& item : items)
    db_.prepare("INSERT OR REPLACE INTO private_storage(account, name, xmlns, data) VALUES (?, ?, ?, ?)")
        .bind(1, account)
        .bind(2, item.name)
        .bind(3, item.xmlns)
        .bind(4, item.data)
        .step();
  // Measured after the writes, so a replaced item counts once: over the limit, the
  // transaction rolls back as it goes out of scope.
  if (used(account) > limit_) return false;
  transaction.commit();
  return true;
}

std::vector<std::string> PrivateStore::accounts(std::string_view name, std::string_view xmlns) {
  auto query = db_.prepare("SELECT account FROM private_storage WHERE name = ? AND xmlns = ? ORDER BY account");
  query.bind(1, name).bind(2, xmlns);
  std::vector<std::string> out;
  while (query.step()) out.push_back(query.text(0));
  return out;
}

std::size_t PrivateStore::used(std::string_view account) {
  auto query = db_.prepare(
      "SELECT COALESCE(SUM(LENGTH(CAST(data AS BLOB)) + LENGTH(CAST(name AS BLOB)) + LENGTH(CAST(xmlns AS BLOB))), 0) "
      "FROM private_storage WHERE account = ?");
  query.bind(1, account);
  query.step();
  return static_cast<std::size_t>(query.integer(0));
}

}  // namespace jabberadmin::private_storage
