// RFC 7395, the client's side: XMPP over WebSocket as xmppload speaks it (--transport websocket).
// Written by hand, as a client writes it: the generator shares no code with the servers.
//   - the stream opens with <open/>, not <stream:stream>, and so does the restart after SASL;
//   - every element travels as a WebSocket text message of its own, a standalone document, so
//     a stanza declares jabber:client itself;
//   - what the server sends goes to the same streaming XmlReader as a TCP stream's bytes, behind
//     a root element of our own that declares what a stream header would: the server's <open/>
//     and <close/> then come out of the reader as elements in the framing namespace.
#pragma once

#include <string>
#include <string_view>

namespace xmppload {

inline constexpr std::string_view kFramingNs = "urn:ietf:params:xml:ns:xmpp-framing";
inline constexpr std::string_view kWebSocketSubprotocol = "xmpp";
inline constexpr std::string_view kReaderRoot =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

// RFC 7395 3.3.1: the stream's opening.
inline std::string framing_open(std::string_view domain) {
  return "<open xmlns='" + std::string(kFramingNs) + "' to='" + std::string(domain) + "' version='1.0' xml:lang='en'/>";
}

// Appends `element` (one whole element, as xmppload writes them) to `out` as a standalone
// document (RFC 7395 3.3.3): xmlns='jabber:client' is declared on it unless its first tag
// declares a default namespace already (SASL's, SM's, <open/>).
inline void append_standalone(std::string& out, std::string_view element) {
  const std::size_t name_end = element.find_first_of(" \t\r\n/>", 1);
  if (element.size() < 2 || element[0] != '<' || name_end == std::string_view::npos) {
    out.append(element);  // not an element: the server will say what it thinks of it
    return;
  }
  char quote = 0;
  for (std::size_t i = name_end; i < element.size(); ++i) {
    const char c = element[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '>') {
      break;  // the end of the first tag: no default namespace on it
    } else if (element.substr(i).starts_with(" xmlns=")) {
      out.append(element);
      return;
    }
  }
  out.append(element.substr(0, name_end));
  out.append(" xmlns='jabber:client'");
  out.append(element.substr(name_end));
}

}  // namespace xmppload
