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

namespace {
// n decimal digits at text[at]; nothing when any is not a digit.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}
}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_xmpp_datetime(std::string_view text) {
  using namespace std::chrono;
  // CCYY-MM-DDThh:mm:ss
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const auto h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day date{year(*y), month(static_cast<unsigned>(*mo)), day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  std::size_t at = 19;
  microseconds fraction{0};
  if (text[at] == '.') {
    std::size_t n = 0;
    std::int64_t micros = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++n)
      if (n < 6) micros = micros * 10 + (text[at] - '0');
    if (n == 0) return std::nullopt;
    for (std::size_t i = n; i < 6; ++i) micros *= 10;
    fraction = microseconds(micros);
  }
  minutes offset{0};
  if (at + 1 == text.size() && text[at] == 'Z') {
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const auto oh = digits(text, at + 1, 2), om = digits(text, at + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = hours(*oh) + minutes(*om);
    if (text[at] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  // In microseconds, which hold every year of four digits; the clock's own duration may
  // not (nanoseconds: 1677 to 2262), so what lies beyond its ends is clamped to them.
  const sys_time<microseconds> when = sys_days(date) + hours(*h) + minutes(*mi) + seconds(*s) + fraction - offset;
  const auto lowest = time_point_cast<microseconds>(system_clock::time_point::min()) + microseconds(1);
  const auto highest = time_point_cast<microseconds>(system_clock::time_point::max()) - microseconds(1);
  if (when <= lowest) return system_clock::time_point::min();
  if (when >= highest) return system_clock::time_point::max();
  return time_point_cast<system_clock::duration>(when);
}

std::string utc_date(std::chrono::system_clock::time_point when) {
  const std::tm tm = utc(when);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return text;
}

}  // namespace jabberadmin::util
