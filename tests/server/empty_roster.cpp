#include "empty_roster.hpp"

#include "stream/stanza.hpp"

namespace jabberadmin::test {
namespace {
void answer(router::Router& r, const xml::Element& iq) {
  // Only the account itself may read its roster (RFC 6121 §2.1.5).
  const auto to = stream::address(iq, "to").jid;
  const auto from = stream::address(iq, "from").jid;
  if (to && from && to->bare() != from->bare()) return r.bounce(iq, "auth", "forbidden");
  if (stream::stanza_type(iq) != "get")
    return r.bounce(iq, "cancel", "service-unavailable", "Roster changes are not supported yet");
  xml::Element reply = stream::iq_result(iq);
  reply.remove_attr("from");
  reply.add(xml::Element("query", "jabber:iq:roster"));
  r.deliver(reply);
}
}  // namespace

EmptyRoster::EmptyRoster(module::Context& context)
    : Module("empty roster"), handler_(context.handle_iq(router::IqTarget::Account, "jabber:iq:roster", answer)) {}

}  // namespace jabberadmin::test
