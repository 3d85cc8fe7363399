// What both ends of a link do with what the peer sends once it is authenticated: an inbound
// stream always, an outbound link too when it was made bidirectional (XEP-0288). The peer is
// metered (over its rate it is not read until it has paid, so TCP slows it down while local
// users' traffic goes on), and each stanza's addresses are checked before it is routed.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "jabberadmin/jid.hpp"
#include "net/connection.hpp"
#include "stream/rate_limit.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::s2s {

class ReadMeter {
 public:
  explicit ReadMeter(const stream::RateLimits& limits) : rate_(limits) {}
  // Takes what one read brought and pauses reading the connection while the peer is over
  // its rate; true the first time that happens on this link (for one line in the log).
  bool take(net::Connection& connection, std::size_t bytes, const std::vector<xml::StreamEvent>& events);

 private:
  stream::RateBuckets rate_;
  bool throttled_ = false;
};

// A stanza the peer sent, in jabber:client for the router, with its addresses normalised.
struct Incoming {
  xml::Element stanza;
  Jid from, to;
};
// Why a stanza ends the link: the stream error's condition and text.
struct Refusal {
  std::string_view condition, text;
};
using DomainCheck = std::function<bool(const std::string& domain)>;

// element (jabber:server) if its 'from' is on a domain from_ok accepts and its 'to' on one
// to_ok accepts: the peer proved the first, we serve the second.
std::variant<Incoming, Refusal> incoming_stanza(const xml::Element& element, const DomainCheck& from_ok,
                                                const DomainCheck& to_ok);

// A message, presence or iq in jabber:server.
bool is_server_stanza(const xml::Element& element);

}  // namespace jabberadmin::s2s
