// Translations for the tools (GNU gettext, text domain "jabberadmin").
//   _("text")   translated now (after cli::Tool's constructor has set the locale up);
//   N_("text")  only marked for xgettext, translated later (e.g. by cli::Tool itself);
//   format(_("user '%s' moved"), name)  fills %s (or %1$s, %2$s ... when a translation
//   reorders them) without printf's undefined behaviour on a bad translation.
// Include this after other headers: `_` is the customary gettext macro.
#pragma once

#include <libintl.h>

#include <initializer_list>
#include <string>
#include <string_view>

#define _(text) ::gettext(text)
#define N_(text) text

namespace jabberadmin::cli {

inline constexpr const char* kTextDomain = "jabberadmin";

// setlocale(LC_ALL, "") and the text domain, from $JABBERADMIN_LOCALEDIR when set (tests run
// the build tree's catalogues), else the compiled-in LOCALEDIR. Safe to call more than once.
void init_i18n();

// Replaces %s in order, %N$s by the N-th value, %% by %. Anything else is copied as is.
std::string format_values(std::string_view pattern, std::initializer_list<std::string_view> values);

template <typename... Values>
std::string format(std::string_view pattern, const Values&... values) {
  return format_values(pattern, {std::string_view(values)...});
}

// A message from libjabberadmin (built in English with values inside) in the user's
// language when it matches one of the library's message patterns this catalogue knows;
// otherwise unchanged. See the pattern list in cli.cpp.
std::string translate_library_message(const std::string& message);

}  // namespace jabberadmin::cli
