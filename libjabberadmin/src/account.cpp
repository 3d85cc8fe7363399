#include "jabberadmin/account.hpp"

#include <charconv>
#include <cstdio>

namespace jabberadmin {

using namespace std::chrono;

std::int64_t day_number(system_clock::time_point at) {
  return floor<days>(at).time_since_epoch().count();
}

std::optional<std::int64_t> parse_date(std::string_view text) {
  // Exactly YYYY-MM-DD, digits only: "2026-1-1x" or a sign is no date.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
    int value = 0;
    const char* first = text.data() + at;
    const auto [end, error] = std::from_chars(first, first + length, value);
    if (error != std::errc() || end != first + length || *first == '-' || *first == '+') return std::nullopt;
    return value;
  };
  const auto y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (!y || !m || !d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *y < 1970) return std::nullopt;
  return sys_days{date}.time_since_epoch().count();
}

std::string format_date(std::int64_t day) {
  const year_month_day date{sys_days{days{day}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

}  // namespace jabberadmin
