// UTC timestamps as XMPP writes them (XEP-0082 DateTime, millisecond precision) and the
// UTC calendar day, for delay stamps and history files.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::util {

// "2024-05-01T12:34:56.789Z"
std::string xmpp_datetime(std::chrono::system_clock::time_point when);
// XEP-0082 DateTime read back: "2024-05-01T12:34:56Z", with optional fractional seconds
// (kept to the microsecond) and a "Z" or "+hh:mm"/"-hh:mm" offset; nothing for any other
// text, or a date or time out of range. A time beyond what the clock holds (about 1677 to
// 2262) is its min() or max(): "the end of time" filters as it should.
std::optional<std::chrono::system_clock::time_point> parse_xmpp_datetime(std::string_view text);
// "2024-05-01"
std::string utc_date(std::chrono::system_clock::time_point when);

}  // namespace jabberadmin::util
