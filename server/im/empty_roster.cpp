#include "im/empty_roster.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {

void install_empty_roster(router::Router& router) {
  router.handle_iq(router::IqTarget::Account, std::string(ns::kRoster), [](router::Router& r, const xml::Element& iq) {
    // Only the account itself may read its roster (RFC 6121 §2.1.5).
    const auto to = stream::address(iq, "to").jid;
    const auto from = stream::address(iq, "from").jid;
    if (to && from && to->bare() != from->bare()) return r.bounce(iq, "auth", "forbidden");
    if (stream::stanza_type(iq) != "get")
      return r.bounce(iq, "cancel", "service-unavailable", "Roster changes are not supported yet");
    xml::Element reply = stream::iq_result(iq);
    reply.remove_attr("from");
    reply.add(xml::Element("query", std::string(ns::kRoster)));
    r.deliver(reply);
  });
}

}  // namespace jabberadmin::im
