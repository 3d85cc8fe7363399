#include "router/reroute.hpp"

#include <string>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::router {

void reroute(Router& router, const xml::Element& stanza) {
  const std::string type = stream::stanza_type(stanza);
  if (type == "error") return;
  if (stanza.name() == "message") {
    // A carbon copy: the message itself reached the user elsewhere.
    if (stanza.child("sent", ns::kCarbons) || stanza.child("received", ns::kCarbons)) return;
    router.deliver(stanza);
  } else if (stanza.name() == "iq" && (type == "get" || type == "set")) {
    router.bounce(stanza, "cancel", "service-unavailable");
  }
  // Presence to a resource that is gone is dropped (RFC 6121 §8.5.3.2.2).
}

}  // namespace jabberadmin::router
