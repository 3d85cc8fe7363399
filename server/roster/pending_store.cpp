#include "roster/pending_store.hpp"

#include "roster/roster_schema.hpp"

namespace jabberadmin::roster {

PendingStore::PendingStore(store::Database& db) : db_(db) { migrate_schema(db_); }

bool PendingStore::contains(std::string_view user, std::string_view from) {
  auto q = db_.prepare("SELECT 1 FROM roster_pending_in WHERE user = ? AND jid = ?");
  q.bind(1, user).bind(2, from);
  return q.step();
}

void PendingStore::put(std::string_view user, std::string_view from, std::string_view stanza) {
  db_.prepare(
         "INSERT OR REPLACE INTO roster_pending_in(user, jid, stanza, seq) VALUES (?, ?, ?, "
         "(SELECT COALESCE(MAX(seq), 0) + 1 FROM roster_pending_in))")
      .bind(1, user)
      .bind(2, from)
      .bind(3, stanza)
      .step();
}

void PendingStore::remove(std::string_view user, std::string_view from) {
  db_.prepare("DELETE FROM roster_pending_in WHERE user = ? AND jid = ?").bind(1, user).bind(2, from).step();
}

std::vector<PendingRequest> PendingStore::requests(std::string_view user) {
  std::vector<PendingRequest> out;
  auto q = db_.prepare("SELECT jid, stanza FROM roster_pending_in WHERE user = ? ORDER BY seq");
  q.bind(1, user);
  while (q.step()) out.push_back({q.text(0), q.text(1)});
  return out;
}

}  // namespace jabberadmin::roster
