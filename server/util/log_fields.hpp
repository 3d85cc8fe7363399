// Log lines with named values, and the line format (util/log.hpp writes them): what
// fail2ban and log shippers read. Kept apart from log.hpp, which every file includes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/log.hpp"

namespace jabberadmin::log {

// Plain: "<level> message" lines (the time in front when written to a file); Json: one
// object a line, {"time", "level", "message", "fields"}, for log shippers (--log-format).
enum class Format { Plain, Json };
// Parses "plain", "json"; nothing on other text.
bool parse_format(std::string_view text, Format& format);
void set_format(Format format);

// Named values of a line ("ip", "192.0.2.1"): written after the message as
// "message: key=value key=value", each value escaped (value_text) so that no client-chosen
// text can end the line or pose as another field; in JSON, the "fields" object.
using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
void write(Level level, std::string_view message, const Fields& fields);

// A field's value as the plain format writes it: bytes below 0x21, DEL, '"', '\\' and '='
// as "\xNN", text that is not UTF-8 as jabberadmin::printable shows it.
std::string value_text(std::string_view value);

}  // namespace jabberadmin::log
