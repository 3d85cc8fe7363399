#include "util/repeat_filter.hpp"

#include <algorithm>

namespace jabberadmin::log {

RepeatFilter::RepeatFilter(Limits limits) : limits_(limits) {}

std::string RepeatFilter::summary(const std::string& line, std::size_t suppressed) {
  return line + " (repeated " + std::to_string(suppressed) + " more times, not logged)";
}

void RepeatFilter::expire(Clock::time_point now, std::vector<std::string>& summaries) {
  if (now < next_expiry_) return;
  next_expiry_ = Clock::time_point::max();
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (now - it->second.since >= limits_.window) {
      if (it->second.suppressed > 0) summaries.push_back(summary(it->first, it->second.suppressed));
      it = seen_.erase(it);
    } else {
      next_expiry_ = std::min(next_expiry_, it->second.since + limits_.window);
      ++it;
    }
  }
}

bool RepeatFilter::admit(std::string_view line, Clock::time_point now, std::vector<std::string>& summaries) {
  expire(now, summaries);
  if (const auto it = seen_.find(std::string(line)); it != seen_.end()) {
    if (it->second.copies < limits_.copies) {
      ++it->second.copies;
      return true;
    }
    ++it->second.suppressed;
    return false;
  }
  // Too many distinct lines to track: start over rather than grow (their counts are told).
  if (seen_.size() >= limits_.remembered) flush(summaries);
  seen_.emplace(std::string(line), Seen{now, 1, 0});
  next_expiry_ = std::min(next_expiry_, now + limits_.window);
  return true;
}

void RepeatFilter::flush(std::vector<std::string>& summaries) {
  for (const auto& [line, seen] : seen_)
    if (seen.suppressed > 0) summaries.push_back(summary(line, seen.suppressed));
  seen_.clear();
  next_expiry_ = {};
}

}  // namespace jabberadmin::log
