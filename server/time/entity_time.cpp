#include "time/entity_time.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::entity_time {

router::IqHandler handler(Clock now) {
  return [now = std::move(now)](router::Router& r, const xml::Element& iq) {
    if (stream::stanza_type(iq) != "get") return r.bounce(iq, "cancel", "not-allowed");
    xml::Element reply = stream::iq_result(iq);
    xml::Element& t = reply.add(xml::Element("time", std::string(ns::kTime)));
    t.add(xml::Element("tzo", std::string(ns::kTime))).add_text("+00:00");
    t.add(xml::Element("utc", std::string(ns::kTime))).add_text(util::xmpp_datetime(now()));
    r.deliver(reply);
  };
}

EntityTime::EntityTime(module::Context& context)
    : Module("time"),
      handler_(context.handle_iq(router::IqTarget::Server, std::string(ns::kTime),
                                 handler([] { return std::chrono::system_clock::now(); }))) {}

}  // namespace jabberadmin::entity_time
