#include "jabberadmin/render.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "jabberadmin/error.hpp"

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

}  // namespace jabberadmin::render
