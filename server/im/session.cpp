#include "im/session.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {

void install_legacy_session(router::Router& router) {
  const auto ok = [](router::Router& r, const xml::Element& iq) {
    if (stream::stanza_type(iq) != "set") return r.bounce(iq, "modify", "bad-request");
    r.deliver(stream::iq_result(iq));
  };
  router.handle_iq(router::IqTarget::Server, std::string(ns::kSession), ok);
  router.handle_iq(router::IqTarget::Account, std::string(ns::kSession), ok);
}

}  // namespace jabberadmin::im
