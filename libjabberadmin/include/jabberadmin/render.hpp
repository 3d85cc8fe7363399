// Config generation from templates/: "{{name}}" placeholders filled with values the caller
// has already validated and escaped for the target format (slapd.conf, YAML, ...).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace jabberadmin::render {

using Values = std::map<std::string, std::string, std::less<>>;

// Fills every {{name}}; a placeholder with no value is an error (never rendered empty).
std::string fill(std::string_view text, const Values& values);

// Where templates are read from: $JABBERADMIN_TEMPLATES, else the source tree's templates/
// when running from a build tree, else the installed share/jabberadmin/templates.
std::filesystem::path template_dir();
// Reads one template by file name (e.g. "slapd.conf.in").
std::string load(std::string_view name);

// Quotes a value for slapd.conf: "..." with backslash and quote escaped; refuses newlines.
std::string slapd_quoted(std::string_view value);

// A YAML double-quoted scalar ("..."), for ejabberd.yml. Backslash and quote are escaped;
// anything that could end the line or the document (line breaks, other control characters,
// invalid UTF-8) is refused with Error(InvalidArgument) naming what: values are validated
// before rendering, so this is the last line of defence, not the first.
std::string yaml_quoted(std::string_view value, std::string_view what = "value");

// Refuses text that should never reach any config file: control characters (line breaks
// included), quotes, backslashes, invalid UTF-8. Throws Error(InvalidArgument) naming what.
void check_config_text(std::string_view value, std::string_view what);

}  // namespace jabberadmin::render
