// The message history (`cl-setup --history on jabber`): plain-text daily files per user,
//
//   <history_dir>/<bare JID>/<YYYY-MM-DD>.log      (UTC day; directories 0750, files 0640)
//
// one line a message, UTF-8:
//
//   2024-05-01T12:34:56.789Z > bob@example.org Hello,\nBob
//
// time (UTC), '>' sent by the file's owner or '<' received, the peer's bare JID, and the
// body with backslash, newline and carriage return written as \\, \n and \r. Lines are
// appended with one write(2) each (O_APPEND), so a crash never leaves half a line behind
// another. Files stay open between messages (a bounded number) and are all closed on
// SIGHUP, so logrotate may move them; the next message opens the file anew.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace jabberadmin::history {

enum class Direction : char { Sent = '>', Received = '<' };

// "\\" for '\', "\n" for newline, "\r" for carriage return; everything else as it is.
std::string escape_body(std::string_view body);
// One line, newline included.
std::string format_line(std::chrono::system_clock::time_point when, Direction direction, std::string_view peer,
                        std::string_view body);
// Whether text can name a directory under the history directory: not empty, not "." or
// "..", no '/' and no NUL. A bare JID always can; this is the belt to its braces.
bool safe_path_component(std::string_view text);

class HistoryLog {
 public:
  // dir is made (0750) when missing. At most max_open files stay open at once.
  explicit HistoryLog(std::filesystem::path dir, std::size_t max_open = 128);
  ~HistoryLog();
  HistoryLog(const HistoryLog&) = delete;
  HistoryLog& operator=(const HistoryLog&) = delete;

  // Appends a line to the user's file for that day; false (and an error logged) when the
  // user cannot name a directory or the file cannot be written.
  bool append(std::string_view user, std::chrono::system_clock::time_point when, Direction direction,
              std::string_view peer, std::string_view body);
  // What the user's own messages wrote on the day of when: its '>' lines in its file for
  // that day and their '<' twins in the recipients' files (the same line with the user's
  // JID for the peer's). Read back from the file, so a quota survives a restart; 0 when
  // there is no file. The whole file is read: call it once per user and day.
  std::uint64_t sent_bytes(std::string_view user, std::chrono::system_clock::time_point when) const;
  // Closes every file (SIGHUP, after logrotate).
  void close_all();
  std::size_t open_files() const noexcept { return open_.size(); }
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  // A file descriptor that closes itself.
  class File {
   public:
    explicit File(int fd = -1) noexcept : fd_(fd) {}
    File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    File& operator=(File&& other) noexcept;
    ~File();
    int get() const noexcept { return fd_; }

   private:
    int fd_;
  };
  struct Open {
    std::string day;
    File file;
    std::uint64_t used = 0;
  };
  Open* open_for(const std::string& user, const std::string& day);

  std::filesystem::path dir_;
  std::size_t max_open_;
  std::map<std::string, Open, std::less<>> open_;  // by user
  std::uint64_t clock_ = 0;                        // use counter, for closing the stalest
};

}  // namespace jabberadmin::history
