// RFC 7395 framing, translated to and from the XML stream stream::C2s speaks, so that a
// WebSocket client meets the very same state machine (SASL, bind, stream management,
// limits, every module) as a TCP client.
//
// In:  each text message is one element. <open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>
//      becomes a stream header, <close/> the stream's end, anything else passes unchanged
//      (the stream parser applies its limits to it as to TCP input).
// Out: what C2s writes (its header, elements, </stream:stream>, whitespace keepalives)
//      becomes messages of one complete element each, with the namespaces a standalone
//      document needs: <open/>, <close/>, stanzas with xmlns='jabber:client', stream
//      elements with the stream prefix declared. A keepalive becomes a WebSocket ping.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace jabberadmin::http {

inline constexpr std::string_view kFramingNs = "urn:ietf:params:xml:ns:xmpp-framing";

// The bytes of the XML stream that one received message stands for.
std::string stream_bytes(std::string_view message);

struct OutboundMessage {
  bool ping = false;  // a keepalive: a WebSocket ping, no message
  std::string text;
};
// The messages that stream bytes written by C2s become. Every write of C2s holds whole
// elements (or its header, or its end).
std::vector<OutboundMessage> messages(std::string_view bytes);

}  // namespace jabberadmin::http
