// The pieces of Prometheus' text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): names, escaping, values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin::metrics {

// The Content-Type a scrape is answered with.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name);

// A HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view text);
// A label value: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view text);
// A sample value: the shortest text that reads back as the same double, in %g's form
// ("0.0005", "1e-07"); +Inf, -Inf, NaN.
std::string format_value(double value);

// {name="value",...} for the given names and values (equal in number), "" when none.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values);

}  // namespace jabberadmin::metrics
