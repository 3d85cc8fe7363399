// What a session that has ended was given but its client never had, routed again.
#pragma once

#include "router/router.hpp"
#include "xml/element.hpp"

namespace jabberadmin::router {

// A stanza queued for a session that has ended and that its client never had (not
// acknowledged, XEP-0198 §4; held back, XEP-0352), routed again as to a resource that is
// gone (RFC 6121 §8.5.3.2): a message to the account's other resources or offline storage
// (carbons and errors dropped), an IQ request answered <service-unavailable/>, presence
// dropped.
void reroute(Router& router, const xml::Element& stanza);

}  // namespace jabberadmin::router
