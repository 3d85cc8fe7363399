// UTC timestamps as XMPP writes them (XEP-0082 DateTime, millisecond precision) and the
// UTC calendar day, for delay stamps and history files.
#pragma once

#include <chrono>
#include <string>

namespace jabberadmin::util {

// "2024-05-01T12:34:56.789Z"
std::string xmpp_datetime(std::chrono::system_clock::time_point when);
// "2024-05-01"
std::string utc_date(std::chrono::system_clock::time_point when);

}  // namespace jabberadmin::util
