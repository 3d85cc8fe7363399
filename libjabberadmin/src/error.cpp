#include "jabberadmin/error.hpp"

#include "jabberadmin/encoding.hpp"
#include "utf8.hpp"

namespace jabberadmin {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8::sequence_length(text, i);
    if (n == 0 || c < 0x20 || c == 0x7f) {  // a control character or a stray byte
      out += "\\x";
      encoding::append_hex(out, c);
      ++i;
    } else if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {  // C1: U+0080..U+009F
      out += "\\u00";
      encoding::append_hex(out, static_cast<unsigned char>(text[i + 1]));
      i += 2;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

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
      if (next < values.size()) out += printable(values[next]);
      ++next;
      ++i;
    } else if (text[i + 1] >= '1' && text[i + 1] <= '9' && i + 3 < text.size() && text[i + 2] == '$' &&
               text[i + 3] == 's') {
      const auto index = static_cast<std::size_t>(text[i + 1] - '1');
      if (index < values.size()) out += printable(values[index]);
      i += 3;
    } else {
      out += '%';
    }
  }
  return out;
}

}  // namespace jabberadmin
