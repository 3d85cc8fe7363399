#include "http/bosh_body.hpp"

#include <charconv>
#include <variant>

namespace jabberadmin::http {

std::string BoshBody::xbosh_attr(std::string_view local) const {
  for (const auto& [name, value] : wrapper.attrs())
    if (name.starts_with("xmlns:") && value == kXboshNs)
      if (auto found = wrapper.attr(name.substr(6) + ":" + std::string(local))) return std::string(*found);
  return {};
}

ParsedBody parse_body(std::string_view text, const xml::ParserLimits& limits) {
  ParsedBody out;
  xml::StreamParser parser(limits);
  std::vector<xml::StreamEvent> events;
  const auto error = parser.feed(text, events);
  BoshBody body;
  bool opened = false, closed = false;
  for (auto& event : events) {
    if (auto* open = std::get_if<xml::StreamOpen>(&event)) {
      body.wrapper = std::move(open->header);
      out.sid = body.attr("sid");
      opened = true;
    } else if (auto* element = std::get_if<xml::Element>(&event)) {
      body.payload.push_back(std::move(*element));
    } else {
      closed = true;
    }
  }
  if (error) {
    out.condition = *error == xml::ParseError::StanzaTooLarge || *error == xml::ParseError::PolicyViolation
                        ? "policy-violation"
                        : "bad-request";
    return out;
  }
  if (!opened || !closed || !body.wrapper.is("body", kHttpBindNs)) {
    out.condition = "bad-request";
    return out;
  }
  out.body = std::move(body);
  return out;
}

std::optional<std::uint64_t> bosh_number(std::string_view text) {
  constexpr std::uint64_t kMax = (std::uint64_t{1} << 53) - 1;
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > kMax) return std::nullopt;
  return value;
}

std::string body_xml(const std::vector<std::pair<std::string, std::string>>& attrs, std::string_view payload) {
  std::string out = "<body xmlns='" + std::string(kHttpBindNs) + "'";
  for (const auto& [name, value] : attrs) out += " " + name + "='" + xml::escape_attr(value) + "'";
  if (payload.empty()) return out + "/>";
  return out + ">" + std::string(payload) + "</body>";
}

std::string terminate_xml(std::string_view condition, std::string_view payload) {
  std::vector<std::pair<std::string, std::string>> attrs{{"type", "terminate"}};
  if (!condition.empty()) attrs.emplace_back("condition", std::string(condition));
  return body_xml(attrs, payload);
}

}  // namespace jabberadmin::http
