#include "roster/roster_schema.hpp"

#include <string_view>

namespace jabberadmin::roster {
namespace {

// Only ever appended to. The first step says IF NOT EXISTS because files written before
// each component had its own migrations already hold these tables (roster and
// roster_version from the one shared list, roster_pending_in made by the pending store):
// such a file is adopted as it is, rows and all.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE IF NOT EXISTS roster (
         user TEXT NOT NULL,
         jid TEXT NOT NULL,
         name TEXT NOT NULL DEFAULT '',
         groups TEXT NOT NULL DEFAULT '',
         subscription TEXT NOT NULL DEFAULT 'none',
         ask INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (user, jid));
       CREATE TABLE IF NOT EXISTS roster_version (
         user TEXT PRIMARY KEY,
         version INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS roster_pending_in (
         user TEXT NOT NULL, jid TEXT NOT NULL, stanza TEXT NOT NULL, seq INTEGER NOT NULL,
         PRIMARY KEY (user, jid));)",
    // The directory entry (entryUUID) each account's stored data belongs to: an account
    // deleted and re-created under the same name while the server was down has a new one.
    R"(CREATE TABLE account_uuid (
         name TEXT PRIMARY KEY,
         uuid TEXT NOT NULL);)",
};

}  // namespace

void migrate_schema(store::Database& db) { db.migrate("roster", kMigrations); }

}  // namespace jabberadmin::roster
