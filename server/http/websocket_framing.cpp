#include "http/websocket_framing.hpp"

#include <optional>

#include "stream/namespaces.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::http {
namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string_view trimmed(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}

// The element's name at the start of a tag ("<name ..."), or empty.
std::string_view tag_name(std::string_view s) {
  if (s.size() < 2 || s[0] != '<') return {};
  const auto end = s.find_first_of(" \t\r\n/>", 1);
  return s.substr(1, (end == std::string_view::npos ? s.size() : end) - 1);
}

// Where the tag that starts at `at` ends (the index of its '>'), quotes respected.
std::size_t tag_end(std::string_view s, std::size_t at) {
  char quote = 0;
  for (std::size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "='" + xml::escape_attr(value) + "'";
}

// The header C2s wrote, as <open/>: its attributes without the namespace declarations.
std::string open_message(std::string_view header) {
  xml::StreamParser parser;
  std::vector<xml::StreamEvent> events;
  (void)parser.feed(header, events);
  std::string out = "<open xmlns='" + std::string(kFramingNs) + "'";
  for (const auto& event : events) {
    const auto* open = std::get_if<xml::StreamOpen>(&event);
    if (!open) continue;
    for (const auto& [name, value] : open->header.attrs())
      if (name != "xmlns" && !name.starts_with("xmlns:")) out += attribute(name, value);
  }
  return out + "/>";
}

// One element of C2s's output made a standalone document: the namespace its context (our
// stream header) gave it, declared on it.
std::string standalone(std::string_view element) {
  const std::string_view name = tag_name(element);
  const std::size_t after_name = 1 + name.size();
  const std::string_view first_tag = element.substr(0, tag_end(element, 0));
  std::string out(element);
  if (name.starts_with("stream:")) {
    if (first_tag.find("xmlns:stream=") == std::string_view::npos)
      out.insert(after_name, attribute("xmlns:stream", ns::kStreams));
  } else if (first_tag.find(" xmlns=") == std::string_view::npos) {
    out.insert(after_name, attribute("xmlns", ns::kClient));
  }
  return out;
}

}  // namespace

std::string stream_bytes(std::string_view message) {
  const std::string_view text = trimmed(message);
  const std::string_view name = tag_name(text);
  if (name != "open" && name != "close") return std::string(message);
  const auto element = xml::parse_serialized(text, "");
  if (!element || element->xmlns() != kFramingNs) return std::string(message);
  if (name == "close") return "</stream:stream>";
  std::string out = "<stream:stream xmlns='" + std::string(ns::kClient) + "' xmlns:stream='" +
                    std::string(ns::kStreams) + "'";
  for (const auto& [attr, value] : element->attrs())
    if (attr != "xmlns" && !attr.starts_with("xmlns:")) out += attribute(attr, value);
  return out + ">";
}

std::vector<OutboundMessage> messages(std::string_view bytes) {
  std::vector<OutboundMessage> out;
  if (blank(bytes)) {
    if (!bytes.empty()) out.push_back({true, {}});
    return out;
  }
  std::size_t i = 0, start = 0;
  int depth = 0;
  while ((i = bytes.find('<', i)) != std::string_view::npos) {
    if (depth == 0) start = i;
    const std::size_t end = tag_end(bytes, i);
    if (end == std::string_view::npos) break;  // not whole: C2s never writes that
    const std::string_view tag = bytes.substr(i, end + 1 - i);
    i = end + 1;
    if (tag.starts_with("<?")) continue;  // the XML declaration before our header
    if (tag.starts_with("</")) {
      if (depth == 0) {
        if (tag == "</stream:stream>") out.push_back({false, "<close xmlns='" + std::string(kFramingNs) + "'/>"});
        continue;
      }
      if (--depth == 0) out.push_back({false, standalone(bytes.substr(start, i - start))});
      continue;
    }
    if (depth == 0 && tag_name(tag) == "stream:stream") {
      out.push_back({false, open_message(tag)});
      continue;
    }
    if (tag.ends_with("/>")) {
      if (depth == 0) out.push_back({false, standalone(tag)});
      continue;
    }
    ++depth;
  }
  return out;
}

}  // namespace jabberadmin::http
