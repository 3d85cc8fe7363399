#include "disco/disco.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::disco {
void Disco::info(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const {
  const xml::Element* query = iq.payload();
  if (iq.type() != "get") return router.bounce(iq, "cancel", "not-allowed");
  const auto node = query->attr("node");
  // A node is answered only if a module said it describes the target itself (XEP-0115 §6.2).
  if (node && !features_.is_info_node(target, *node)) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  xml::Element& q = reply.add(features_.info_query(target));
  if (node) q.set_attr("node", *node);
  router.reply(iq, reply);
}

void Disco::items(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const {
  const xml::Element* query = iq.payload();
  if (iq.type() != "get") return router.bounce(iq, "cancel", "not-allowed");
  const auto node = query->attr("node");
  // A node is answered only if a module serves its items (XEP-0050's command list).
  if (node && !features_.is_items_node(target, *node)) return router.bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq);
  xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoItems)));
  if (node) {
    q.set_attr("node", *node);
    for (xml::Element& item : features_.node_items(target, *node, iq)) q.add(std::move(item));
    return router.reply(iq, reply);
  }
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
