// The server's embedded SQLite database (offline messages, personal rosters): one file,
// WAL journal, synchronous=FULL so a committed row survives kill -9 and power loss.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace jabberadmin::store {

// A prepared statement, reset and cleared when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
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
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  sqlite3* handle() const noexcept { return db_; }

 private:
  void migrate();
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

}  // namespace jabberadmin::store
