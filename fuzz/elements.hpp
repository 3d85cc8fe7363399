// What the targets of server modules parse: the top-level elements a client would send,
// read from the fuzz bytes by the real stream parser after a client's stream header (so
// every element is in jabber:client unless it says otherwise). What the parser refuses
// ends the list there, as it ends a client's stream.
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::fuzz {

inline std::vector<xml::Element> elements_of(std::string_view bytes, std::size_t max_stanza_size = 16384) {
  xml::StreamParser parser(xml::ParserLimits{.max_stanza_size = max_stanza_size, .max_depth = 16});
  std::vector<xml::StreamEvent> events;
  if (parser.feed("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                  "to='example.org' version='1.0'>",
                  events))
    return {};
  parser.feed(bytes, events);
  std::vector<xml::Element> out;
  for (auto& event : events)
    if (auto* e = std::get_if<xml::Element>(&event)) out.push_back(std::move(*e));
  return out;
}

// Every element of a tree, the root first.
template <class F>
void each_element(const xml::Element& e, F&& f) {
  f(e);
  for (const xml::Element& c : e.children())
    if (c.is_element()) each_element(c, f);
}

}  // namespace jabberadmin::fuzz
