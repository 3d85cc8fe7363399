#include "session/session.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::session {
namespace {
void ok(router::Router& r, const stream::Stanza& iq) {
  if (iq.type() != "set") return r.bounce(iq, "modify", "bad-request");
  r.reply(iq, stream::iq_result(iq));
}

xml::Element optional_session() {
  xml::Element session("session", std::string(ns::kSession));
  session.add(xml::Element("optional", std::string(ns::kSession)));
  return session;
}
}  // namespace

LegacySession::LegacySession(module::Context& context)
    : Module("session"),
      server_(context.handle_iq(router::IqTarget::Server, std::string(ns::kSession), ok)),
      account_(context.handle_iq(router::IqTarget::Account, std::string(ns::kSession), ok)),
      feature_(context.stream_feature(stream::FeatureStage::PostAuth, optional_session())) {}

}  // namespace jabberadmin::session
