// One line of a CSV file (RFC 4180), for `cl-useradd --from`. Apart from the directory so
// that it can be tested and fuzzed on its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin {

// One CSV record split into fields (RFC 4180: quotes, doubled quotes, commas inside quotes;
// a '\r' ending the line is dropped). Throws Error(InvalidArgument) on an unterminated quote.
std::vector<std::string> split_csv_record(std::string_view line);

}  // namespace jabberadmin
