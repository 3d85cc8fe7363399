#include "im/version.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {

void install_version(router::Router& router, std::string name, std::string version) {
  router.handle_iq(router::IqTarget::Server, std::string(ns::kVersion),
                   [name, version](router::Router& r, const xml::Element& iq) {
                     if (stream::stanza_type(iq) != "get") return r.bounce(iq, "cancel", "not-allowed");
                     xml::Element reply = stream::iq_result(iq);
                     xml::Element& q = reply.add(xml::Element("query", std::string(ns::kVersion)));
                     q.add(xml::Element("name", std::string(ns::kVersion))).add_text(name);
                     q.add(xml::Element("version", std::string(ns::kVersion))).add_text(version);
                     r.deliver(reply);
                   });
}

}  // namespace jabberadmin::im
