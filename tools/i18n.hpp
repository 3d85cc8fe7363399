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

#include "jabberadmin/error.hpp"

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

// A library error in the user's language: its message template translated and filled with
// its values (nouns among them translated too); a composed message stays as it is.
std::string translate(const Error& error);

}  // namespace jabberadmin::cli
