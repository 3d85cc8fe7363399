#include "upload/upload_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "upload/file_names.hpp"
#include "util/log.hpp"

namespace jabberadmin::upload {
namespace fs = std::filesystem;
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE upload_file (
         token TEXT PRIMARY KEY,
         owner TEXT NOT NULL,
         file_name TEXT NOT NULL,
         content_type TEXT NOT NULL,
         size INTEGER NOT NULL,
         expires INTEGER NOT NULL) WITHOUT ROWID;
       CREATE INDEX upload_file_owner ON upload_file(owner);
       CREATE INDEX upload_file_expires ON upload_file(expires);)",
};

// Seconds since 1970; time_point::max() (kept for ever) as the largest integer.
std::int64_t seconds(Clock::time_point t) {
  if (t == Clock::time_point::max()) return INT64_MAX;
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::time_point from_seconds(std::int64_t s) {
  if (s == INT64_MAX) return Clock::time_point::max();
  return Clock::time_point(std::chrono::seconds(s));
}

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

[[noreturn]] void fail_saving_errno(const std::string& what, const fs::path& path, int fd) {
  const int saved = errno;
  ::close(fd);
  errno = saved;
  fail(what, path);
}

}  // namespace

Incoming::Incoming(UploadStore& store, Slot slot)
    : store_(store), slot_(std::move(slot)), temp_(store.dir_ / (".incoming-" + slot_.token)) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd_ < 0) fail("cannot create", temp_);
}

Incoming::~Incoming() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  std::error_code ec;
  fs::remove(temp_, ec);
}

bool Incoming::write(const char* data, std::size_t size) {
  if (fd_ < 0 || size > slot_.size - written_) return false;
  while (size != 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log::error("upload: cannot write " + temp_.string() + ": " + std::strerror(n < 0 ? errno : ENOSPC));
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    written_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

void Incoming::commit(Clock::time_point expires) {
  if (fd_ < 0 || written_ != slot_.size) throw std::runtime_error("upload of " + slot_.token + " is incomplete");
  const fs::path final_path = store_.dir_ / slot_.token;
  const int fd = std::exchange(fd_, -1);
  if (::fsync(fd) != 0) fail_saving_errno("cannot write", temp_, fd);
  if (::close(fd) != 0) fail("cannot write", temp_);
  std::error_code ec;
  fs::rename(temp_, final_path, ec);
  if (ec) throw std::runtime_error("cannot rename " + temp_.string() + ": " + ec.message());
  try {
    store_.record(slot_, expires);
  } catch (...) {
    fs::remove(final_path, ec);
    throw;
  }
  committed_ = true;
}


UploadStore::UploadStore(store::Database& db, fs::path dir) : db_(db), dir_(std::move(dir)) {
  db_.migrate("upload", kMigrations);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error("cannot make " + dir_.string() + ": " + ec.message());
  fs::permissions(dir_, fs::perms::owner_all, ec);
  reconcile();
}

void UploadStore::put(const Slot& slot, std::string_view body, Clock::time_point expires) {
  Incoming file(*this, slot);
  if (!file.write(body.data(), body.size())) throw std::runtime_error("cannot write the file of " + slot.token);
  file.commit(expires);
}

std::unique_ptr<Incoming> UploadStore::receive(const Slot& slot) { return std::make_unique<Incoming>(*this, slot); }

void UploadStore::record(const Slot& slot, Clock::time_point expires) {
  db_.prepare("INSERT INTO upload_file(token, owner, file_name, content_type, size, expires) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(1, slot.token)
      .bind(2, slot.owner)
      .bind(3, slot.file_name)
      .bind(4, slot.content_type)
      .bind(5, static_cast<std::int64_t>(slot.size))
      .bind(6, seconds(expires))
      .step();
}

std::optional<StoredFile> UploadStore::find(std::string_view token) {
  auto q = db_.prepare("SELECT owner, file_name, content_type, size, expires FROM upload_file WHERE token = ?");
  q.bind(1, token);
  if (!q.step()) return std::nullopt;
  return StoredFile{std::string(token), q.text(0), q.text(1), q.text(2), static_cast<std::uint64_t>(q.integer(3)),
                    from_seconds(q.integer(4))};
}

std::string UploadStore::read(const StoredFile& file) const {
  const fs::path path = dir_ / file.token;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open", path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail("cannot read", path);
  return bytes;
}

std::uint64_t UploadStore::bytes_of(std::string_view owner) {
  auto q = db_.prepare("SELECT COALESCE(SUM(size), 0) FROM upload_file WHERE owner = ?");
  q.bind(1, owner);
  q.step();
  return static_cast<std::uint64_t>(q.integer(0));
}

std::uint64_t UploadStore::bytes() {
  auto q = db_.prepare("SELECT COALESCE(SUM(size), 0) FROM upload_file");
  q.step();
  return static_cast<std::uint64_t>(q.integer(0));
}

std::size_t UploadStore::remove_expired(Clock::time_point now) {
  std::vector<std::string> tokens;
  {
    auto q = db_.prepare("SELECT token FROM upload_file WHERE expires <= ?");
    q.bind(1, seconds(now));
    while (q.step()) tokens.push_back(q.text(0));
  }
  remove_tokens(tokens);
  return tokens.size();
}

std::size_t UploadStore::remove_owner(std::string_view owner) {
  std::vector<std::string> tokens;
  {
    auto q = db_.prepare("SELECT token FROM upload_file WHERE owner = ?");
    q.bind(1, owner);
    while (q.step()) tokens.push_back(q.text(0));
  }
  remove_tokens(tokens);
  return tokens.size();
}

void UploadStore::owners(std::set<std::string>& out) {
  auto q = db_.prepare("SELECT DISTINCT owner FROM upload_file");
  while (q.step()) out.insert(q.text(0));
}

// The rows first: a file whose row is gone is never served again, and a crash before its
// unlink leaves an orphan that the next start removes.
void UploadStore::remove_tokens(const std::vector<std::string>& tokens) {
  if (tokens.empty()) return;
  {
    store::Transaction t(db_);
    for (const std::string& token : tokens) db_.prepare("DELETE FROM upload_file WHERE token = ?").bind(1, token).step();
    t.commit();
  }
  for (const std::string& token : tokens) {
    std::error_code ec;
    fs::remove(dir_ / token, ec);
    if (ec) log::warning("upload: cannot remove " + (dir_ / token).string() + ": " + ec.message());
  }
}

// After a crash: unfinished uploads and files without a row go; rows without a file too.
void UploadStore::reconcile() {
  std::set<std::string> rows;
  {
    auto q = db_.prepare("SELECT token FROM upload_file");
    while (q.step()) rows.insert(q.text(0));
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (rows.erase(name) == 1) continue;
    log::info("upload: removing " + entry.path().string() + ", no file of the table");
    fs::remove(entry.path(), ec);
  }
  if (!rows.empty()) {
    log::warning("upload: " + std::to_string(rows.size()) + " recorded files are missing; forgetting them");
    store::Transaction t(db_);
    for (const std::string& token : rows) db_.prepare("DELETE FROM upload_file WHERE token = ?").bind(1, token).step();
    t.commit();
  }
}

}  // namespace jabberadmin::upload
