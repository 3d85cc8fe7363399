// libFuzzer target for the XMPP stream parser: arbitrary bytes, fed in slices whose sizes
// come from the input itself, with a small stanza limit so the limit paths are reached.
// Every stanza that comes out must serialize and re-parse to the same element.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

using namespace jabberadmin::xml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  StreamParser parser(ParserLimits{.max_stanza_size = 4096, .max_depth = 16});
  std::vector<StreamEvent> events;
  while (!in.empty()) {
    const auto part = in.substr(0, chunk);
    in.remove_prefix(part.size());
    if (parser.feed(part, events)) break;
  }
  for (const auto& event : events) {
    const auto* stanza = std::get_if<Element>(&event);
    if (stanza == nullptr) continue;
    StreamParser again;
    std::vector<StreamEvent> out;
    const std::string doc = "<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:client'>" +
                            serialize(*stanza, "jabber:client");
    if (again.feed(doc, out) || out.size() != 2 || std::get<Element>(out[1]) != *stanza) std::abort();
  }
  return 0;
}
