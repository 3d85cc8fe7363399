#include "disco/disco.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::disco {
namespace {
}  // namespace

void Disco::info(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const {
  const xml::Element* query = iq.payload();
  if (iq.type() != "get") return router.bounce(iq, "cancel", "not-allowed");
  if (query->attr("node")) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoInfo)));
  xml::Element& identity = q.add(xml::Element("identity", std::string(ns::kDiscoInfo)));
  if (target == router::IqTarget::Server) {
    identity.set_attr("category", "server").set_attr("type", "im").set_attr("name", "cl-jabberd");
  } else {
    identity.set_attr("category", "account").set_attr("type", "registered");
  }
  for (const auto& [category, type] : features_.identities(target))
    q.add(xml::Element("identity", std::string(ns::kDiscoInfo))).set_attr("category", category).set_attr("type", type);
  for (const std::string& feature : features_.of(target))
    q.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", feature);
  router.reply(iq, reply);
}

void Disco::items(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const {
  const xml::Element* query = iq.payload();
  if (iq.type() != "get") return router.bounce(iq, "cancel", "not-allowed");
  if (query->attr("node")) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoItems)));
  for (xml::Element& item : features_.items(target, iq)) q.add(std::move(item));
  router.reply(iq, reply);
}

Disco::Disco(module::Context& context) : Module("disco"), features_(context.disco_features()) {
  using router::IqTarget;
  for (IqTarget target : {IqTarget::Server, IqTarget::Account}) {
    handlers_.push_back(context.handle_iq(target, std::string(ns::kDiscoInfo), [this, target](router::Router& r, const stream::Stanza& iq) {
      info(r, iq, target);
    }));
    handlers_.push_back(context.handle_iq(target, std::string(ns::kDiscoItems), [this, target](router::Router& r, const stream::Stanza& iq) {
      items(r, iq, target);
    }));
  }
}

}  // namespace jabberadmin::disco
