#include "store/database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include "jabberadmin/error.hpp"

namespace jabberadmin::store {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw Error(ErrorKind::Directory, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Schema versions, applied in order; PRAGMA user_version records how far a file got.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE offline (
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
         version INTEGER NOT NULL);)",
    // The directory entry (entryUUID) each account's stored data belongs to: an account
    // deleted and re-created under the same name while the server was down has a new one.
    R"(CREATE TABLE account_uuid (
         name TEXT PRIMARY KEY,
         uuid TEXT NOT NULL);)",
};

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    fail(db, "cannot prepare a statement");
}

Statement::Statement(sqlite3* db, sqlite3_stmt* kept, bool& busy) : db_(db), stmt_(kept), busy_(&busy) {
  busy = true;
}

Statement::~Statement() {
  if (busy_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *busy_ = false;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, "cannot bind a value");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "cannot bind a value");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "database error");
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Database::Database(const std::filesystem::path& file) : file_(file) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  const mode_t old_mask = ::umask(077);  // messages and rosters are private
  const int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  ::umask(old_mask);
  if (rc != SQLITE_OK) {
    const std::string message = "cannot open database " + file.string() + ": " + (db_ ? sqlite3_errmsg(db_) : "");
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorKind::Directory, message);
  }
  sqlite3_busy_timeout(db_, 5000);
  execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  migrate();
}

Database::~Database() {
  for (auto& [sql, kept] : kept_) sqlite3_finalize(kept.stmt);
  sqlite3_close(db_);
}

Statement Database::prepare(std::string_view sql) {
  auto it = kept_.find(sql);
  if (it == kept_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK)
      fail(db_, "cannot prepare a statement");
    it = kept_.emplace(std::string(sql), Kept{stmt}).first;
  }
  if (it->second.busy) return Statement(db_, sql);
  return Statement(db_, it->second.stmt, it->second.busy);
}

void Database::execute(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorKind::Directory, "database " + file_.string() + ": " + text);
  }
}

void Database::migrate() {
  Statement version(db_, "PRAGMA user_version");
  version.step();
  const auto current = static_cast<std::size_t>(version.integer(0));
  for (std::size_t v = current; v < std::size(kMigrations); ++v) {
    execute("BEGIN IMMEDIATE");
    try {
      execute(kMigrations[v]);
      execute("PRAGMA user_version = " + std::to_string(v + 1));
      execute("COMMIT");
    } catch (...) {
      execute("ROLLBACK");
      throw;
    }
  }
}

}  // namespace jabberadmin::store
