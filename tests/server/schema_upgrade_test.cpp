// A database written before each component had its own migrations (one list for all,
// PRAGMA user_version = 1, roster_pending_in made by the pending store on its own) opens
// with this version with every row still there, and is then recorded per component.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <chrono>
#include <string>

#include "offline/offline_store.hpp"
#include "roster/account_purge.hpp"
#include "roster/pending_store.hpp"
#include "roster/personal_store.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::store {
namespace {

// The schema and rows as the earlier version left them, written with SQLite alone.
void write_old_database(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, R"(
      PRAGMA journal_mode=WAL;
      BEGIN;
      CREATE TABLE offline (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user TEXT NOT NULL,
        stamp INTEGER NOT NULL,
        stanza TEXT NOT NULL);
      CREATE INDEX offline_user ON offline(user, id);
      CREATE TABLE roster (
        user TEXT NOT NULL,
        jid TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        groups TEXT NOT NULL DEFAULT '',
        subscription TEXT NOT NULL DEFAULT 'none',
        ask INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (user, jid));
      CREATE TABLE roster_version (
        user TEXT PRIMARY KEY,
        version INTEGER NOT NULL);
      PRAGMA user_version = 1;
      COMMIT;
      CREATE TABLE IF NOT EXISTS roster_pending_in (
        user TEXT NOT NULL, jid TEXT NOT NULL, stanza TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (user, jid));
      INSERT INTO offline(user, stamp, stanza) VALUES ('anna@h', 1000000, '<message>kept</message>');
      INSERT INTO roster VALUES ('anna@h', 'romeo@other', 'Ромео', 'Друзья', 'both', 0);
      INSERT INTO roster_version VALUES ('anna@h', 7);
      INSERT INTO roster_pending_in VALUES ('anna@h', 'carl@h', '<presence type=''subscribe''/>', 1);
  )", nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

TEST(SchemaUpgrade, AnOldDatabaseKeepsEveryRow) {
  const jabberadmin::test::TempDir dir("schema-upgrade");
  const auto file = dir / "jabberadmin.sqlite";
  write_old_database(file);
  for (int opening = 0; opening < 2; ++opening) {  // the upgrade, then a plain reopen
    Database db(file);
    roster::PersonalStore personal(db);
    roster::PendingStore pending(db);
    roster::AccountPurge accounts(db);
    offline::OfflineStore offline(db, 10);
    const auto item = personal.item("anna@h", "romeo@other");
    ASSERT_TRUE(item) << opening;
    EXPECT_EQ(item->name, "Ромео");
    EXPECT_EQ(item->groups, std::vector<std::string>{"Друзья"});
    EXPECT_EQ(item->subscription, "both");
    EXPECT_EQ(personal.version("anna@h"), 7);
    ASSERT_EQ(pending.requests("anna@h").size(), 1u);
    EXPECT_EQ(pending.requests("anna@h")[0].from, "carl@h");
    ASSERT_EQ(offline.pending("anna@h").size(), 1u);
    EXPECT_EQ(offline.pending("anna@h")[0].stanza, "<message>kept</message>");
    EXPECT_TRUE(accounts.known_jids().contains("romeo@other"));
    EXPECT_FALSE(accounts.entry_uuid("anna")) << "the entry table is new, and empty";
    auto versions = db.prepare("SELECT component, version FROM schema_version ORDER BY component");
    std::vector<std::pair<std::string, std::int64_t>> recorded;
    while (versions.step()) recorded.emplace_back(versions.text(0), versions.integer(1));
    EXPECT_EQ(recorded, (std::vector<std::pair<std::string, std::int64_t>>{{"offline", 1}, {"roster", 2}}));
  }
  // And the upgraded file still works: a new item, a new message.
  Database db(file);
  roster::PersonalStore personal(db);
  personal.put("anna@h", {"juliet@other", "", {}, "none", true});
  EXPECT_EQ(personal.version("anna@h"), 8);
  offline::OfflineStore offline(db, 10);
  EXPECT_TRUE(offline.store("anna@h", "<message>new</message>", std::chrono::system_clock::now()));
  EXPECT_EQ(offline.count("anna@h"), 2u);
}

}  // namespace
}  // namespace jabberadmin::store
