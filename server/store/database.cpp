#include "store/database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>

#include "jabberadmin/error.hpp"
#include "metrics/server_metrics.hpp"

namespace jabberadmin::store {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  throw Error(ErrorKind::Directory, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// What earlier versions, with one migration list for all, read as "up to date": set on
// every file so that such a version still opens one this version has written.
constexpr int kSingleListVersion = 1;

// Runs one durable write (what reaches the disk with synchronous=FULL) and records how long
// it took, whether it succeeded or threw.
template <typename Write>
auto timed_write(Write write) {
  struct Observe {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~Observe() {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      metrics::server_metrics().sqlite_write.observe(took.count());
    }
  } observe;
  return write();
}

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
  // Outside a transaction a writing statement commits itself: that step is a durable write.
  const bool commits = sqlite3_get_autocommit(db_) != 0 && sqlite3_stmt_readonly(stmt_) == 0;
  const int rc = commits ? timed_write([&] { return sqlite3_step(stmt_); }) : sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "database error");
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

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
  execute("CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
          "PRAGMA user_version = " + std::to_string(kSingleListVersion));
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
  ++it->second.uses;
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

std::map<std::string, std::uint64_t, std::less<>> Database::statement_uses() const {
  std::map<std::string, std::uint64_t, std::less<>> out;
  for (const auto& [sql, kept] : kept_) out.emplace(sql, kept.uses);
  return out;
}

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

std::size_t Database::changes() const noexcept { return static_cast<std::size_t>(sqlite3_changes(db_)); }

void Database::migrate(std::string_view component, std::span<const std::string_view> steps) {
  // Read inside the step's transaction: another process migrating the same file at the
  // same time waits for it, then finds the step done.
  for (;;) {
    Transaction transaction(*this);
    const auto done = [&] {
      auto version = prepare("SELECT version FROM schema_version WHERE component = ?");
      version.bind(1, component);
      return static_cast<std::size_t>(version.step() ? version.integer(0) : 0);
    }();
    if (done >= steps.size()) return;
    try {
      execute(steps[done]);
    } catch (const Error& e) {
      throw Error(ErrorKind::Directory, std::string(e.what()) + " (migration " + std::to_string(done + 1) + " of " +
                                            std::string(component) + ")");
    }
    prepare("INSERT INTO schema_version(component, version) VALUES (?, ?) "
            "ON CONFLICT(component) DO UPDATE SET version = excluded.version")
        .bind(1, component)
        .bind(2, static_cast<std::int64_t>(done + 1))
        .step();
    transaction.commit();
  }
}

Transaction::Transaction(Database& db) : db_(db), nested_(db.in_transaction()) {
  db_.execute(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    db_.execute(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
  } catch (...) {
    // Nothing to do: SQLite rolls back an unfinished transaction when it closes.
  }
}

void Transaction::commit() {
  if (nested_) db_.execute("RELEASE nested");
  else timed_write([&] { db_.execute("COMMIT"); });
  done_ = true;
}

}  // namespace jabberadmin::store
