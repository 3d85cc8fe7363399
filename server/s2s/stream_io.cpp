#include "s2s/stream_io.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::s2s {

std::string stream_header(std::string_view from, std::string_view to, std::string_view id, bool dialback) {
  std::string out = "<?xml version='1.0'?><stream:stream xmlns='" + std::string(ns::kServer) + "' xmlns:stream='" +
                    std::string(ns::kStreams) + "'";
  if (dialback) out += " xmlns:db='" + std::string(ns::kDialback) + "'";
  if (!id.empty()) out += " id='" + xml::escape_attr(id) + "'";
  if (!from.empty()) out += " from='" + xml::escape_attr(from) + "'";
  if (!to.empty()) out += " to='" + xml::escape_attr(to) + "'";
  return out + " version='1.0'>";
}

std::string new_stream_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a stream id");
  return encoding::hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string stream_error(std::string_view condition, std::string_view text) {
  std::string out = "<stream:error><" + std::string(condition) + " xmlns='" + std::string(ns::kStreamErrors) + "'/>";
  if (!text.empty())
    out += "<text xmlns='" + std::string(ns::kStreamErrors) + "' xml:lang='en'>" + xml::escape_text(text) + "</text>";
  return out + "</stream:error></stream:stream>";
}

std::string to_link(const xml::Element& stanza) {
  return xml::serialize(renamespace(stanza, ns::kClient, ns::kServer), ns::kServer);
}

xml::Element renamespace(const xml::Element& element, std::string_view from, std::string_view to) {
  if (!element.is_element()) return element;
  xml::Element out(element.name(), element.xmlns() == from ? std::string(to) : element.xmlns());
  for (const auto& [name, value] : element.attrs()) out.set_attr(name, value);
  for (const auto& child : element.children()) out.children().push_back(renamespace(child, from, to));
  return out;
}

}  // namespace jabberadmin::s2s
