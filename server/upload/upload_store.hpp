// The stored files' metadata (table upload_file, the "upload" migrations) and their bytes
// (<data_dir>/upload/<token>, mode 0600). A file appears whole or not at all: its bytes go
// to a temporary file in the same directory, fsynced, renamed to the token's name, and only
// then is its row committed; a row without its file, or a file without its row (a crash
// between the two), is removed at start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"
#include "upload/slots.hpp"

namespace jabberadmin::upload {

struct StoredFile {
  std::string token;
  std::string owner;
  std::string file_name;
  std::string content_type;
  std::uint64_t size = 0;
  Clock::time_point expires;  // time_point::max(): kept for ever
};

class UploadStore;

// A file being received (a PUT streamed to the disk): its bytes go to a temporary file in
// the store's directory as they arrive; commit() fsyncs it, renames it to the token's name
// and records it. Destroyed uncommitted (the PUT was cut off or failed), it removes the
// temporary file: no file and no row are left.
class Incoming {
 public:
  Incoming(UploadStore& store, Slot slot);  // throws std::runtime_error
  ~Incoming();
  Incoming(const Incoming&) = delete;
  Incoming& operator=(const Incoming&) = delete;

  // Appends bytes; false when the disk refuses or they would pass the slot's size.
  bool write(const char* data, std::size_t size);
  // Stores the file as the slot's, kept until expires (throws std::runtime_error, leaving
  // nothing behind). All of the slot's bytes must have been written.
  void commit(Clock::time_point expires);
  const Slot& slot() const noexcept { return slot_; }
  std::uint64_t written() const noexcept { return written_; }

 private:
  UploadStore& store_;
  Slot slot_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

class UploadStore {
 public:
  // Brings the table up to date, makes dir (0700) and reconciles it with the table.
  UploadStore(store::Database& db, std::filesystem::path dir);

  // Writes body as the slot's file and records it (throws std::runtime_error, leaving
  // nothing behind, when the disk refuses).
  void put(const Slot& slot, std::string_view body, Clock::time_point expires);
  // The same, streamed: a file to write as its bytes arrive (throws std::runtime_error).
  std::unique_ptr<Incoming> receive(const Slot& slot);
  std::optional<StoredFile> find(std::string_view token);
  // The file's bytes (throws std::runtime_error when it cannot be read). For tests: the
  // listener sends a file from disk (path()).
  std::string read(const StoredFile& file) const;
  std::filesystem::path path(const StoredFile& file) const { return dir_ / file.token; }

  std::uint64_t bytes_of(std::string_view owner);
  std::uint64_t bytes();
  // Removes the files expired at now; how many went.
  std::size_t remove_expired(Clock::time_point now);
  // Removes an owner's files; how many went.
  std::size_t remove_owner(std::string_view owner);
  void owners(std::set<std::string>& out);

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  friend class Incoming;
  void record(const Slot& slot, Clock::time_point expires);
  void remove_tokens(const std::vector<std::string>& tokens);
  void reconcile();

  store::Database& db_;
  std::filesystem::path dir_;
};

}  // namespace jabberadmin::upload
