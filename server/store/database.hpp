// The server's embedded SQLite database: one file, WAL journal, synchronous=FULL so a
// committed row survives kill -9 and power loss. It knows no component's tables: each
// component brings its own numbered migrations (migrate), and the file records per
// component how far it got, so one component extends its schema without renumbering another's.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace jabberadmin::store {

// A prepared statement, reset and cleared when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);  // its own, finalized at the end
  // One of the Database's kept statements, marked busy while this lives.
  Statement(sqlite3* db, sqlite3_stmt* kept, bool& busy);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  // Steps once: true while there is a row to read.
  bool step();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* busy_ = nullptr;  // set: a kept statement, reset instead of finalized
};

class Database {
 public:
  // Opens or creates the file (parent directory made, mode 0600). Throws Error(Directory)
  // naming the file when it cannot.
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void execute(std::string_view sql);
  // The statement for sql, compiled once and kept: a login runs the same few queries, and
  // compiling them each time was SQLite's whole share of a login's CPU. The same SQL
  // while its kept statement is still stepping gets a fresh one.
  Statement prepare(std::string_view sql);
  // How often each kept statement's SQL was prepared (one use each): what a login costs.
  std::map<std::string, std::uint64_t, std::less<>> statement_uses() const;
  // Rows the last INSERT, UPDATE or DELETE changed.
  std::size_t changes() const noexcept;
  // A transaction is open (a Transaction made now is a savepoint inside it).
  bool in_transaction() const noexcept;

  // Brings component's tables up to date: applies the steps the file has not had yet, in
  // order, each in its own transaction with the component's recorded version (table
  // schema_version). Steps are only ever appended; a file that has had more steps than
  // given (a newer cl-jabberd) is left as it is.
  void migrate(std::string_view component, std::span<const std::string_view> steps);

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
    std::uint64_t uses = 0;
  };
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
  std::map<std::string, Kept, std::less<>> kept_;
};

// BEGIN IMMEDIATE now, ROLLBACK at the end of the scope unless commit() ran: what throws
// in between leaves nothing half-written. Inside an open transaction it is a savepoint:
// its rollback undoes only its own part, and its commit waits for the outer one's.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool nested_;  // a savepoint inside an open transaction, committed or undone with it
  bool done_ = false;
};

}  // namespace jabberadmin::store
