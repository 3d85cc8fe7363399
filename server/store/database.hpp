// The server's embedded SQLite database (offline messages, personal rosters): one file,
// WAL journal, synchronous=FULL so a committed row survives kill -9 and power loss.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

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

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* busy_ = nullptr;  // set: a kept statement, reset instead of finalized
};

class Database {
 public:
  // Opens or creates the file (parent directory made, mode 0600) and brings the schema
  // up to date. Throws Error(Directory) naming the file when it cannot.
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void execute(std::string_view sql);
  // The statement for sql, compiled once and kept: a login runs the same few queries, and
  // compiling them each time was SQLite's whole share of a login's CPU. The same SQL
  // while its kept statement is still stepping gets a fresh one.
  Statement prepare(std::string_view sql);
  sqlite3* handle() const noexcept { return db_; }

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };
  void migrate();
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
  std::map<std::string, Kept, std::less<>> kept_;
};

}  // namespace jabberadmin::store
