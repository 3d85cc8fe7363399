#include "history/history_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::history {
namespace {
constexpr mode_t kDirMode = 0750;
constexpr mode_t kFileMode = 0640;

std::string errno_text() { return std::strerror(errno); }

// mkdir that accepts an existing directory (and refuses anything else in its place).
bool make_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), kDirMode) == 0) return true;
  if (errno != EEXIST) {
    log::error("history: cannot make " + dir.string() + ": " + errno_text());
    return false;
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    log::error("history: " + dir.string() + " is not a directory");
    return false;
  }
  return true;
}
}  // namespace

std::string escape_body(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (char c : body) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_line(std::chrono::system_clock::time_point when, Direction direction, std::string_view peer,
                        std::string_view body) {
  std::string line = util::xmpp_datetime(when);
  line += ' ';
  line += static_cast<char>(direction);
  line += ' ';
  line += peer;
  line += ' ';
  line += escape_body(body);
  line += '\n';
  return line;
}

bool safe_path_component(std::string_view text) {
  return !text.empty() && text != "." && text != ".." && text.find('/') == std::string_view::npos &&
         text.find('\0') == std::string_view::npos;
}

HistoryLog::File& HistoryLog::File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

HistoryLog::File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

HistoryLog::HistoryLog(std::filesystem::path dir, std::size_t max_open)
    : dir_(std::move(dir)), max_open_(std::max<std::size_t>(1, max_open)) {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    std::filesystem::create_directories(dir_, ec);
    if (!ec) std::filesystem::permissions(dir_, static_cast<std::filesystem::perms>(kDirMode), ec);
  }
  if (ec) log::error("history: cannot make " + dir_.string() + ": " + ec.message());
}

HistoryLog::~HistoryLog() = default;

void HistoryLog::close_all() { open_.clear(); }

HistoryLog::Open* HistoryLog::open_for(const std::string& user, const std::string& day) {
  if (auto it = open_.find(user); it != open_.end()) {
    if (it->second.day == day) return &it->second;
    open_.erase(it);  // a new day: yesterday's file is done
  }
  if (open_.size() >= max_open_) {
    auto stalest = open_.begin();
    for (auto it = open_.begin(); it != open_.end(); ++it)
      if (it->second.used < stalest->second.used) stalest = it;
    open_.erase(stalest);
  }
  const std::filesystem::path user_dir = dir_ / user;
  if (!make_dir(user_dir)) return nullptr;
  const std::filesystem::path file = user_dir / (day + ".log");
  // Created here: 0640 whatever the umask. Found: left as the administrator (or
  // logrotate's create) made it. Never through a symlink.
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
  int fd = ::open(file.c_str(), flags | O_CREAT | O_EXCL, kFileMode);
  if (fd >= 0) {
    ::fchmod(fd, kFileMode);
  } else if (errno == EEXIST) {
    fd = ::open(file.c_str(), flags);
  }
  if (fd < 0) {
    log::error("history: cannot open " + file.string() + ": " + errno_text());
    return nullptr;
  }
  Open& entry = open_[user];
  entry.day = day;
  entry.file = File(fd);
  return &entry;
}

std::uint64_t HistoryLog::sent_bytes(std::string_view user, std::chrono::system_clock::time_point when) const {
  if (!safe_path_component(user)) return 0;
  const std::filesystem::path file = dir_ / std::string(user) / (util::utc_date(when) + ".log");
  const File in(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.get() < 0) {
    if (errno != ENOENT) log::error("history: cannot read " + file.string() + ": " + errno_text());
    return 0;
  }
  // "<time> > <peer> <body>\n": a JID has no space, and the body no raw newline.
  const auto sent = [&](std::string_view line) -> std::uint64_t {
    const auto time_end = line.find(' ');
    if (time_end == std::string_view::npos || line.substr(time_end, 3) != " > ") return 0;
    const auto peer_end = line.find(' ', time_end + 3);
    if (peer_end == std::string_view::npos) return 0;
    const std::size_t peer = peer_end - (time_end + 3);
    return 2 * (line.size() + 1) - peer + user.size();
  };
  std::uint64_t total = 0;
  std::string pending;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(in.get(), buffer, sizeof buffer)) > 0) {
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1)
      total += sent(std::string_view(pending).substr(start, end - start));
    pending.erase(0, start);
  }
  if (n < 0) log::error("history: cannot read " + file.string() + ": " + errno_text());
  return total;  // a last line without its newline was cut short by a crash: not counted
}

bool HistoryLog::append(std::string_view user, std::chrono::system_clock::time_point when, Direction direction,
                        std::string_view peer, std::string_view body) {
  if (!safe_path_component(user)) {
    log::error("history: refusing to write under the name " + std::string(user));
    return false;
  }
  Open* open = open_for(std::string(user), util::utc_date(when));
  if (open == nullptr) return false;
  open->used = ++clock_;
  const std::string line = format_line(when, direction, peer, body);
  // One write for the whole line: O_APPEND keeps lines whole even with a second writer.
  const ssize_t written = ::write(open->file.get(), line.data(), line.size());
  if (written == static_cast<ssize_t>(line.size())) return true;
  log::error("history: cannot write the history of " + std::string(user) + ": " +
             (written < 0 ? errno_text() : std::string("short write")));
  open_.erase(std::string(user));  // try afresh next time
  return false;
}

}  // namespace jabberadmin::history
