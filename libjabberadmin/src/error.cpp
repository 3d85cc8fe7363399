#include "jabberadmin/error.hpp"

namespace jabberadmin {

std::string format_message(std::string_view text, const std::vector<std::string>& values) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%' || i + 1 == text.size()) {
      out += text[i];
    } else if (text[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (text[i + 1] == 's') {
      if (next < values.size()) out += values[next];
      ++next;
      ++i;
    } else if (text[i + 1] >= '1' && text[i + 1] <= '9' && i + 3 < text.size() && text[i + 2] == '$' &&
               text[i + 3] == 's') {
      const auto index = static_cast<std::size_t>(text[i + 1] - '1');
      if (index < values.size()) out += values[index];
      i += 3;
    } else {
      out += '%';
    }
  }
  return out;
}

}  // namespace jabberadmin
