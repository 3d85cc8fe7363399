#include "blocking/blocklist_store.hpp"

namespace jabberadmin::blocking {
namespace {
// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE blocklist (
         account TEXT NOT NULL,
         jid TEXT NOT NULL,
         PRIMARY KEY (account, jid)) WITHOUT ROWID;)",
};
}  // namespace

BlocklistStore::BlocklistStore(store::Database& db) : db_(db) { db_.migrate("blocking", kMigrations); }

std::map<std::string, Blocklist, std::less<>> BlocklistStore::load() {
  std::map<std::string, Blocklist, std::less<>> lists;
  auto query = db_.prepare("SELECT account, jid FROM blocklist");
  while (query.step()) lists[query.text(0)].add(query.text(1));
  return lists;
}

void BlocklistStore::add(std::string_view account, const std::vector<std::string>& items) {
  store::Transaction t(db_);
  for (const std::string& item : items)
    db_.prepare("INSERT OR IGNORE INTO blocklist(account, jid) VALUES (?, ?)").bind(1, account).bind(2, item).step();
  t.commit();
}

void BlocklistStore::remove(std::string_view account, const std::vector<std::string>& items) {
  store::Transaction t(db_);
  for (const std::string& item : items)
    db_.prepare("DELETE FROM blocklist WHERE account = ? AND jid = ?").bind(1, account).bind(2, item).step();
  t.commit();
}

void BlocklistStore::clear(std::string_view account) {
  db_.prepare("DELETE FROM blocklist WHERE account = ?").bind(1, account).step();
}

}  // namespace jabberadmin::blocking
