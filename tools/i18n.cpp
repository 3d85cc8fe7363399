#include <clocale>
#include <cstdlib>
#include <string>
#include <vector>

#include "i18n.hpp"

namespace jabberadmin::cli {
namespace {

// The nouns the library puts into its message templates ("empty %s" with "nickname").
constexpr const char* kLibraryNouns[] = {N_("nickname"), N_("group name"), N_("user name"), N_("resource")};

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
  return format_message(pattern, std::vector<std::string>(values.begin(), values.end()));
}

std::string translate(const Error& error) {
  const char* text = error.message_template();
  if (text == nullptr) return error.what();  // composed: paths, LDAP's own words
  const char* translated = ::gettext(text);
  if (translated == text) return error.what();  // no catalogue for this language
  std::vector<std::string> values;
  for (const auto& v : error.values()) values.push_back(translate_noun(v));
  return format_message(translated, values);
}

}  // namespace jabberadmin::cli
