// Keeps a flood of identical log lines out of the log (one hostile address can cause
// thousands a second): the first few copies of a line within a window are written, the rest
// only counted, and when the window is over one line says how many were left out.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace jabberadmin::log {

class RepeatFilter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::size_t copies = 10;  // identical lines written per window
    Clock::duration window = std::chrono::seconds(10);
    std::size_t remembered = 4096;  // distinct lines tracked at once
  };
  explicit RepeatFilter(Limits limits);
  RepeatFilter() : RepeatFilter(Limits{}) {}

  // Whether line is to be written now. Appends to summaries the "... repeated N times" lines
  // of the windows that ended by now; they go out before line.
  bool admit(std::string_view line, Clock::time_point now, std::vector<std::string>& summaries);
  // Every pending summary, windows over or not (at exit).
  void flush(std::vector<std::string>& summaries);

 private:
  struct Seen {
    Clock::time_point since;
    std::size_t copies = 0;      // written in this window
    std::size_t suppressed = 0;  // counted, not written
  };
  void expire(Clock::time_point now, std::vector<std::string>& summaries);
  static std::string summary(const std::string& line, std::size_t suppressed);

  Limits limits_;
  std::unordered_map<std::string, Seen> seen_;
  Clock::time_point next_expiry_{};
};

}  // namespace jabberadmin::log
