#include "util/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace jabberadmin::util {
namespace {
std::tm utc(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(when));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}
}  // namespace

std::string xmpp_datetime(std::chrono::system_clock::time_point when) {
  const std::tm tm = utc(when);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::floor<std::chrono::seconds>(when));
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis.count()));
  return text;
}

std::string utc_date(std::chrono::system_clock::time_point when) {
  const std::tm tm = utc(when);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return text;
}

}  // namespace jabberadmin::util
