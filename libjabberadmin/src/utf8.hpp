// Internal to the library: walking UTF-8 text one character at a time.
#pragma once

#include <cstddef>
#include <string_view>

namespace jabberadmin::utf8 {

// Length in bytes of the well-formed UTF-8 sequence starting at text[i], or 0 when none
// starts there (a stray continuation byte, an overlong lead, a cut-off sequence).
inline std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t n = c < 0x80                        ? 1
                        : (c >> 5) == 0x6 && c >= 0xc2  ? 2
                        : (c >> 4) == 0xe               ? 3
                        : (c >> 3) == 0x1e && c <= 0xf4 ? 4
                                                        : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 0;
  return n;
}

}  // namespace jabberadmin::utf8
