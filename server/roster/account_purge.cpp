#include "roster/account_purge.hpp"

#include "roster/roster_schema.hpp"

namespace jabberadmin::roster {

AccountPurge::AccountPurge(store::Database& db) : db_(db) { migrate_schema(db_); }

AccountPurge::Removed AccountPurge::purge(const std::vector<std::string>& bare_jids) {
  const std::set<std::string> gone(bare_jids.begin(), bare_jids.end());
  Removed removed;
  const auto run = [&](std::string_view sql, const std::string& jid) {
    db_.prepare(sql).bind(1, jid).step();
    removed.rows += db_.changes();
  };
  const auto bump = [&](const std::string& user) {
    db_.prepare("UPDATE roster_version SET version = version + 1 WHERE user = ?").bind(1, user).step();
  };
  store::Transaction transaction(db_);
  for (const auto& jid : gone) {
    auto owners = db_.prepare("SELECT user FROM roster WHERE jid = ? ORDER BY user");
    owners.bind(1, jid);
    while (owners.step())
      if (const std::string owner = owners.text(0); !gone.contains(owner)) removed.items.emplace_back(owner, jid);
  }
  for (const auto& jid : gone) {
    run("DELETE FROM roster WHERE user = ?1 OR jid = ?1", jid);
    run("DELETE FROM roster_pending_in WHERE user = ?1 OR jid = ?1", jid);
    run("DELETE FROM offline WHERE user = ?", jid);
    for (const auto& [table, column] : db_.account_tables())
      run("DELETE FROM " + table + " WHERE " + column + " = ?", jid);
    bump(jid);
  }
  std::set<std::string> owners;
  for (const auto& [owner, contact] : removed.items)
    if (owners.insert(owner).second) bump(owner);
  transaction.commit();
  return removed;
}

std::set<std::string> AccountPurge::known_jids() {
  std::set<std::string> out;
  auto q = db_.prepare(
      "SELECT user FROM roster UNION SELECT jid FROM roster UNION SELECT user FROM roster_pending_in "
      "UNION SELECT jid FROM roster_pending_in UNION SELECT user FROM offline");
  while (q.step()) out.insert(q.text(0));
  for (const auto& [table, column] : db_.account_tables()) {
    auto more = db_.prepare("SELECT DISTINCT " + column + " FROM " + table);
    while (more.step()) out.insert(more.text(0));
  }
  return out;
}

std::optional<std::string> AccountPurge::entry_uuid(const std::string& name) {
  auto q = db_.prepare("SELECT uuid FROM account_uuid WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void AccountPurge::remember_entry_uuids(const std::vector<std::pair<std::string, std::string>>& name_uuid) {
  if (name_uuid.empty()) return;
  db_.execute("BEGIN IMMEDIATE");  // one transaction for a whole directory at the first start
  try {
    for (const auto& [name, uuid] : name_uuid)
      db_.prepare("INSERT OR REPLACE INTO account_uuid(name, uuid) VALUES (?, ?)").bind(1, name).bind(2, uuid).step();
    db_.execute("COMMIT");
  } catch (...) {
    db_.execute("ROLLBACK");
    throw;
  }
}

void AccountPurge::forget_entry_uuid(const std::string& name) {
  db_.prepare("DELETE FROM account_uuid WHERE name = ?").bind(1, name).step();
}

}  // namespace jabberadmin::roster
