#include "jabberadmin/render.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "utf8.hpp"

namespace jabberadmin::render {
namespace fs = std::filesystem;

std::string fill(std::string_view text, const Values& values) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) throw Error(ErrorKind::Directory, "template: unclosed '{{'");
    out.append(text.substr(pos, open - pos));
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const auto it = values.find(name);
    if (it == values.end()) throw Error(ErrorKind::Directory, "template: no value for {{" + std::string(name) + "}}");
    out += it->second;
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

fs::path template_dir() {
  if (const char* env = std::getenv("JABBERADMIN_TEMPLATES"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path installed = fs::path(JABBERADMIN_DATADIR) / "templates";
  if (fs::is_directory(installed, ec)) return installed;
  return JABBERADMIN_SOURCE_TEMPLATES;
}

std::string load(std::string_view name) {
  const fs::path path = template_dir() / name;
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::Directory, "cannot read template " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string slapd_quoted(std::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '\n' || c == '\r' || c == '\0')
      throw Error(ErrorKind::InvalidArgument, "line break in a slapd.conf value");
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

// Control characters, including the ones YAML (NEL, U+2028, U+2029) and some editors treat as
// line breaks, and the byte-order mark.
bool is_control(std::string_view sequence) {
  const auto c = static_cast<unsigned char>(sequence[0]);
  if (c < 0x20 || c == 0x7f) return true;
  if (sequence.size() == 2) return c == 0xc2 && static_cast<unsigned char>(sequence[1]) < 0xa0;
  return sequence == "\u2028" || sequence == "\u2029" || sequence == "\ufeff";
}

std::string shown(std::string_view value) {
  std::string out;
  for (const unsigned char c : value) {
    if (c == '\n') out += "\\n";
    else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      encoding::append_hex(out, c);
    } else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

void check_config_text(std::string_view value, std::string_view what) {
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = utf8::sequence_length(value, i);
    if (n == 0) throw Error(ErrorKind::InvalidArgument, std::string(what) + " is not valid UTF-8");
    const auto c = static_cast<unsigned char>(value[i]);
    if (is_control(value.substr(i, n)))
      throw Error(ErrorKind::InvalidArgument, std::string(what) + " '" + shown(value) +
                                                  "' holds a line break or another control character");
    if (c == '"' || c == '\'' || c == '\\')
      throw Error(ErrorKind::InvalidArgument, std::string(what) + " '" + shown(value) + "' holds a quote or a backslash");
    i += n;
  }
}

std::string yaml_quoted(std::string_view value, std::string_view what) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = utf8::sequence_length(value, i);
    if (n == 0) throw Error(ErrorKind::InvalidArgument, std::string(what) + " is not valid UTF-8");
    const auto c = static_cast<unsigned char>(value[i]);
    if (is_control(value.substr(i, n)))
      throw Error(ErrorKind::InvalidArgument, "line break or control character in " + std::string(what) + " '" +
                                                  shown(value) + "'");
    if (c == '"' || c == '\\') out += '\\';
    out.append(value.substr(i, n));
    i += n;
  }
  return out + "\"";
}

}  // namespace jabberadmin::render
