// Clients on a real router, for module tests: what C2s does for a logged-in client, and
// nothing else (the module under test sees the stanzas the router hands it).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes.hpp"
#include "jabberadmin/jid.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"
#include "xml/element.hpp"

namespace jabberadmin::test {

// A stanza from s as C2s would route it: 'from' stamped with the session's full JID.
inline void send_from(router::Router& router, FakeSession& s, xml::Element stanza) {
  stanza.set_attr("from", s.jid().full());
  router.on_stanza(s, std::move(stanza));
}

// A session for `full`, bound and available (initial presence sent), kept in sessions; what
// the router sent it while logging in is dropped.
inline FakeSession& log_in(router::Router& router, std::vector<std::unique_ptr<FakeSession>>& sessions,
                           std::string_view full) {
  auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(*Jid::parse(full)));
  s.host = &router;
  router.bind(s);
  send_from(router, s, xml::Element("presence", std::string(ns::kClient)));
  s.take();
  return s;
}

}  // namespace jabberadmin::test
