#include "im/disco.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::im {
namespace {
constexpr std::string_view kInfo = "http://jabber.org/protocol/disco#info";
constexpr std::string_view kItems = "http://jabber.org/protocol/disco#items";

void info(router::Router& router, const xml::Element& iq, router::IqTarget target) {
  const xml::Element* query = iq.first_element();
  if (stream::stanza_type(iq) != "get") return router.bounce(iq, "cancel", "not-allowed");
  if (query->attr("node")) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  xml::Element& q = reply.add(xml::Element("query", std::string(kInfo)));
  xml::Element& identity = q.add(xml::Element("identity", std::string(kInfo)));
  if (target == router::IqTarget::Server) {
    identity.set_attr("category", "server").set_attr("type", "im").set_attr("name", "cl-jabberd");
  } else {
    identity.set_attr("category", "account").set_attr("type", "registered");
  }
  for (const std::string& feature : router.features(target))
    q.add(xml::Element("feature", std::string(kInfo))).set_attr("var", feature);
  router.deliver(reply);
}

void items(router::Router& router, const xml::Element& iq) {
  const xml::Element* query = iq.first_element();
  if (stream::stanza_type(iq) != "get") return router.bounce(iq, "cancel", "not-allowed");
  if (query->attr("node")) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  reply.add(xml::Element("query", std::string(kItems)));
  router.deliver(reply);
}
}  // namespace

void install_disco(router::Router& router) {
  using router::IqTarget;
  for (IqTarget target : {IqTarget::Server, IqTarget::Account}) {
    router.handle_iq(target, std::string(kInfo),
                     [target](router::Router& r, const xml::Element& iq) { info(r, iq, target); });
    router.handle_iq(target, std::string(kItems), items);
  }
}

}  // namespace jabberadmin::im
