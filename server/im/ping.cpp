#include "im/ping.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {

void install_ping(router::Router& router) {
  const auto pong = [](router::Router& r, const xml::Element& iq) {
    if (stream::stanza_type(iq) != "get") return r.bounce(iq, "modify", "bad-request");
    r.deliver(stream::iq_result(iq));
  };
  router.handle_iq(router::IqTarget::Server, std::string(ns::kPing), pong);
  router.handle_iq(router::IqTarget::Account, std::string(ns::kPing), pong);
}

}  // namespace jabberadmin::im
