// libFuzzer target for the lines of `cl-useradd --from FILE` (one CSV record, RFC 4180) and
// the password length check every password of such a file goes through. Invariants:
//   - a line is split or refused with jabberadmin::Error, never a crash;
//   - the fields, written back as quoted CSV, split into the very same fields;
//   - check_length counts characters, not bytes: where every byte is a character it agrees
//     with the byte count, and it never accepts an empty password.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/csv.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"

using namespace jabberadmin;

namespace {

std::string quoted_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (const char c : fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  try {
    fields = split_csv_record(line);
  } catch (const Error&) {
    return 0;
  }
  if (fields.empty()) std::abort();
  if (split_csv_record(quoted_record(fields)) != fields) std::abort();

  for (const auto& field : fields) {
    // No UTF-8 continuation byte: one character a byte.
    const bool one_a_byte =
        std::none_of(field.begin(), field.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; });
    try {
      password::check_length(field, password::kMinLength);
      if (field.empty() || (one_a_byte && field.size() < password::kMinLength)) std::abort();
    } catch (const Error&) {
      if (one_a_byte && !field.empty() && field.size() >= password::kMinLength) std::abort();
    }
  }
  return 0;
}
