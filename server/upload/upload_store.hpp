// The stored files' metadata (table upload_file, the "upload" migrations) and their bytes
// (<data_dir>/upload/<token>, mode 0600). A file appears whole or not at all: its bytes go
// to a temporary file in the same directory, fsynced, renamed to the token's name, and only
// then is its row committed; a row without its file, or a file without its row (a crash
// between the two), is removed at start.
#pragma once

#include <cstdint>
#include <filesystem>
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

class UploadStore {
 public:
  // Brings the table up to date, makes dir (0700) and reconciles it with the table.
  UploadStore(store::Database& db, std::filesystem::path dir);

  // Writes body as the slot's file and records it (throws std::runtime_error, leaving
  // nothing behind, when the disk refuses).
  void put(const Slot& slot, std::string_view body, Clock::time_point expires);
  std::optional<StoredFile> find(std::string_view token);
  // The file's bytes (throws std::runtime_error when it cannot be read).
  std::string read(const StoredFile& file) const;

  std::uint64_t bytes_of(std::string_view owner);
  std::uint64_t bytes();
  // Removes the files expired at now; how many went.
  std::size_t remove_expired(Clock::time_point now);
  // Removes an owner's files; how many went.
  std::size_t remove_owner(std::string_view owner);
  void owners(std::set<std::string>& out);

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  void remove_tokens(const std::vector<std::string>& tokens);
  void reconcile();

  store::Database& db_;
  std::filesystem::path dir_;
};

}  // namespace jabberadmin::upload
