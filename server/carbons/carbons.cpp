#include "carbons/carbons.hpp"

#include <algorithm>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::carbons {
namespace {
using ns::kCarbons;
using ns::kForward;
using ns::kHints;

// XEP-0280 §6: chat messages, and normal ones with a body; never one marked private or
// no-copy, and never a carbon itself (a client could forge one).
bool eligible(const xml::Element& message) {
  const std::string type = stream::stanza_type(message);
  const bool chat = type == "chat" || (type == "normal" && message.child("body", ns::kClient) != nullptr);
  if (!chat) return false;
  for (const xml::Element& c : message.children()) {
    if (c.xmlns() == kCarbons) return false;  // private, sent, received
    if (c.is("no-copy", kHints)) return false;
  }
  return true;
}

// 'from' is stamped and 'to' normalised by the time a message is routed: the bare JID is
// the text before the resource, with no need to parse (and stringprep) it again.
std::string_view bare_of(std::string_view jid) { return jid.substr(0, jid.find('/')); }
}  // namespace

Carbons::Carbons(module::Context& context) : Module("carbons"), router_(context.router()) {
  const auto handler = [this](router::Router&, const xml::Element& iq) { on_request(iq); };
  // Clients look for the feature on the server and send the request to their own account.
  server_ = context.handle_iq(router::IqTarget::Server, std::string(kCarbons), handler);
  account_ = context.handle_iq(router::IqTarget::Account, std::string(kCarbons), handler);
  sent_ = router_.on_client_message([this](const xml::Element& m) { sent(m); });
  received_ = router_.on_message_delivered(
      [this](const xml::Element& m, const std::vector<std::string>& r) { received(m, r); });
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) { enabled_.erase(full.full()); });
}

void Carbons::on_request(const xml::Element& iq) {
  const auto from = stream::address(iq, "from").jid;
  const xml::Element* payload = iq.first_element();
  if (!from || stream::stanza_type(iq) != "set") return router_.bounce(iq, "cancel", "bad-request");
  // Each client switches copies for itself; a request addressed to another account is refused.
  if (const auto to = stream::address(iq, "to").jid; to && !to->local.empty() && to->bare() != from->bare())
    return router_.bounce(iq, "auth", "forbidden");
  if (payload->name() == "enable") enabled_.insert(from->full());
  else if (payload->name() == "disable") enabled_.erase(from->full());
  else return router_.bounce(iq, "modify", "bad-request");
  router_.deliver(stream::iq_result(iq));
}

bool Carbons::anyone_enabled(std::string_view bare) const {
  const std::string prefix = std::string(bare) + "/";
  const auto it = enabled_.lower_bound(prefix);
  return it != enabled_.end() && it->starts_with(prefix);
}

void Carbons::sent(const xml::Element& message) {
  const std::string_view from = message.attr("from").value_or(""), to = message.attr("to").value_or("");
  // To oneself, every resource sees it anyway.
  if (!anyone_enabled(bare_of(from)) || bare_of(from) == bare_of(to) || !eligible(message)) return;
  if (const auto sender = Jid::parse(from)) copy("sent", sender->to_bare(), message, {sender->resource});
}

void Carbons::received(const xml::Element& message, const std::vector<std::string>& reached) {
  const std::string_view from = message.attr("from").value_or(""), to = message.attr("to").value_or("");
  if (!anyone_enabled(bare_of(to)) || bare_of(from) == bare_of(to) || !eligible(message)) return;
  if (const auto recipient = Jid::parse(bare_of(to))) copy("received", *recipient, message, reached);
}

void Carbons::copy(std::string_view wrapper, const Jid& bare, const xml::Element& message,
                   const std::vector<std::string>& skip) {
  std::vector<Jid> targets;
  for (const auto& [jid, resource] : router_.resources(bare))
    if (enabled_.contains(jid.full()) && std::find(skip.begin(), skip.end(), jid.resource) == skip.end())
      targets.push_back(jid);
  if (targets.empty()) return;
  xml::Element carbon("message", std::string(ns::kClient));
  carbon.set_attr("from", bare.bare());
  carbon.set_attr("type", stream::stanza_type(message));
  carbon.add(xml::Element(std::string(wrapper), std::string(kCarbons)))
      .add(xml::Element("forwarded", std::string(kForward)))
      .add(message);
  for (const Jid& target : targets) {
    carbon.set_attr("to", target.full());
    router_.deliver(carbon);
  }
}

}  // namespace jabberadmin::carbons
