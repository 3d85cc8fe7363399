#include "ping/ping.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::ping {
namespace {
using ns::kPing;

void pong(router::Router& r, const stream::Stanza& iq) {
  if (iq.type() != "get") return r.bounce(iq, "modify", "bad-request");
  r.reply(iq, stream::iq_result(iq));
}
}  // namespace

Ping::Ping(module::Context& context)
    : Module("ping"),
      server_(context.handle_iq(router::IqTarget::Server, std::string(kPing), pong)),
      account_(context.handle_iq(router::IqTarget::Account, std::string(kPing), pong)) {}

}  // namespace jabberadmin::ping
