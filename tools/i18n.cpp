#include <clocale>
#include <cstdlib>
#include <string>
#include <vector>

#include "i18n.hpp"

namespace jabberadmin::cli {
namespace {

// libjabberadmin's messages the tools print most, as patterns: %s stands for a value the
// library put in. They copy the library's English text, so they must follow it when it
// changes (an unmatched message is simply shown in English). Message templates exposed by
// the library itself would remove that coupling: see po/README.md.
constexpr const char* kLibraryPatterns[] = {
    N_("no such user '%s'"),
    N_("no such group '%s'"),
    N_("user '%s' already exists"),
    N_("group '%s' already exists"),
    N_("user '%s' is not in group '%s'"),
    N_("the password is empty"),
    N_("the password contains a NUL character"),
    N_("the stored password has no hash scheme; set a new password first"),
    N_("no configuration file %s (run 'cl-setup ldap' first, or give --config)"),
    N_("%s: [ldap] needs uri and base_dn"),
    N_("unterminated quote"),
    N_("expected 4 fields (login,nickname,group,password), found %s"),
    N_("empty %s"),
    N_("%s is not valid UTF-8"),
    N_("control character in %s"),
    N_("%s '%s' starts or ends with a space"),
    N_("%s too long: %s bytes, at most %s"),
    N_("bad character %s in %s '%s'"),
};

// The nouns the library puts into the patterns above ("empty nickname").
constexpr const char* kLibraryNouns[] = {N_("nickname"), N_("group name"), N_("user name"), N_("resource")};

// Splits "a%sb%sc" into {"a", "b", "c"}.
std::vector<std::string_view> literal_parts(std::string_view pattern) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto hole = pattern.find("%s", start);
    parts.push_back(pattern.substr(start, hole == std::string_view::npos ? std::string_view::npos : hole - start));
    if (hole == std::string_view::npos) return parts;
    start = hole + 2;
  }
}

// The values in message when it has pattern's shape (leftmost match for each hole).
bool match(std::string_view pattern, std::string_view message, std::vector<std::string>& values) {
  const auto parts = literal_parts(pattern);
  const std::string_view first = parts.front(), last = parts.back();
  if (parts.size() == 1) return message == pattern;
  if (message.size() < first.size() + last.size() || !message.starts_with(first) || !message.ends_with(last))
    return false;
  std::string_view rest = message.substr(first.size(), message.size() - first.size() - last.size());
  values.clear();
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    const auto at = parts[i].empty() ? std::string_view::npos : rest.find(parts[i]);
    if (at == std::string_view::npos) return false;
    values.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + parts[i].size());
  }
  values.emplace_back(rest);
  return true;
}

std::string translate_noun(const std::string& value) {
  for (const char* noun : kLibraryNouns)
    if (value == noun) return ::gettext(noun);
  return value;
}

}  // namespace

void init_i18n() {
  std::setlocale(LC_ALL, "");
  const char* dir = std::getenv("JABBERADMIN_LOCALEDIR");
  ::bindtextdomain(kTextDomain, dir != nullptr && *dir != '\0' ? dir : JABBERADMIN_LOCALEDIR);
  ::bind_textdomain_codeset(kTextDomain, "UTF-8");
  ::textdomain(kTextDomain);
}

std::string format_values(std::string_view pattern, std::initializer_list<std::string_view> values) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    if (pattern[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (pattern[i + 1] == 's') {
      if (next < values.size()) out += values.begin()[next];
      ++next;
      ++i;
    } else if (pattern[i + 1] >= '1' && pattern[i + 1] <= '9' && i + 3 < pattern.size() && pattern[i + 2] == '$' &&
               pattern[i + 3] == 's') {
      const auto index = static_cast<std::size_t>(pattern[i + 1] - '1');
      if (index < values.size()) out += values.begin()[index];
      i += 3;
    } else {
      out += '%';
    }
  }
  return out;
}

std::string translate_library_message(const std::string& message) {
  std::vector<std::string> values;
  for (const char* pattern : kLibraryPatterns) {
    if (!match(pattern, message, values)) continue;
    const char* translated = ::gettext(pattern);
    if (translated == pattern) return message;  // no catalogue for this language
    std::vector<std::string> shown;
    for (const auto& v : values) shown.push_back(translate_noun(v));
    switch (shown.size()) {
      case 0: return translated;
      case 1: return format(translated, shown[0]);
      case 2: return format(translated, shown[0], shown[1]);
      default: return format(translated, shown[0], shown[1], shown[2]);
    }
  }
  return message;
}

}  // namespace jabberadmin::cli
