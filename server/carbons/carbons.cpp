#include "carbons/carbons.hpp"

#include <algorithm>

#include "stream/c2s.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::carbons {
namespace {
using ns::kCarbons;
using ns::kForward;
using ns::kHints;

// XEP-0280 §6: chat messages, and normal ones with a body or a call's signal (XEP-0353);
// never one marked private or no-copy, and never a carbon itself (a client could forge one).
bool eligible(const stream::Stanza& message) {
  const std::string_view type = message.type();
  const bool chat = type == "chat" || (type == "normal" && (message.element().child("body", ns::kClient) != nullptr ||
                                                            stream::is_call_signal(message.element())));
  if (!chat) return false;
  for (const xml::Element& c : message.element().children()) {
    if (c.xmlns() == kCarbons) return false;  // private, sent, received
    if (c.is("no-copy", kHints)) return false;
  }
  return true;
}
}  // namespace

Carbons::Carbons(module::Context& context) : Module("carbons"), router_(context.router()) {
  const auto handler = [this](router::Router&, const stream::Stanza& iq) { on_request(iq); };
  // Clients look for the feature on the server and send the request to their own account.
  server_ = context.handle_iq(router::IqTarget::Server, std::string(kCarbons), handler);
  account_ = context.handle_iq(router::IqTarget::Account, std::string(kCarbons), handler);
  sent_ = router_.on_client_message([this](const stream::Stanza& m) { sent(m); });
  received_ = router_.on_message_delivered(
      [this](const stream::Stanza& m, const std::vector<std::string>& r) { received(m, r); });
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) { enabled_.erase(full.full()); });
  // Bind2 (XEP-0386, XEP-0280 §4.1): <enable/> inside <bind/> enables copies for the new resource.
  bind_inline_ = context.stream_features().bind_inline(
      std::string(kCarbons), [this](stream::C2s& stream, const xml::Element& request, xml::Element&) {
        if (request.name() == "enable") enabled_.insert(stream.jid().full());
      });
}

void Carbons::on_request(const stream::Stanza& iq) {
  const Jid& from = iq.from();
  const xml::Element* payload = iq.payload();
  if (from.domain.empty() || iq.type() != "set") return router_.bounce(iq, "cancel", "bad-request");
  // Each client switches copies for itself; a request addressed to another account is refused.
  if (const Jid& to = iq.to(); iq.has_to() && !to.local.empty() && to.bare() != from.bare())
    return router_.bounce(iq, "auth", "forbidden");
  if (payload->name() == "enable") enabled_.insert(from.full());
  else if (payload->name() == "disable") enabled_.erase(from.full());
  else return router_.bounce(iq, "modify", "bad-request");
  router_.reply(iq, stream::iq_result(iq));
}

bool Carbons::anyone_enabled(std::string_view bare) const {
  const std::string prefix = std::string(bare) + "/";
  const auto it = enabled_.lower_bound(prefix);
  return it != enabled_.end() && it->starts_with(prefix);
}

void Carbons::sent(const stream::Stanza& message) {
  const std::string from = message.from().bare(), to = message.to().bare();
  // To oneself, every resource sees it anyway.
  if (from.empty() || !anyone_enabled(from) || from == to || !eligible(message)) return;
  copy("sent", message.from().to_bare(), message, {message.from().resource});
}

void Carbons::received(const stream::Stanza& message, const std::vector<std::string>& reached) {
  const std::string from = message.from().bare(), to = message.to().bare();
  if (!anyone_enabled(to) || from == to || !eligible(message)) return;
  copy("received", message.to().to_bare(), message, reached);
}

void Carbons::copy(std::string_view wrapper, const Jid& bare, const stream::Stanza& message,
                   const std::vector<std::string>& skip) {
  std::vector<Jid> targets;
  for (const auto& [jid, resource] : router_.resources(bare))
    if (enabled_.contains(jid.full()) && std::find(skip.begin(), skip.end(), jid.resource) == skip.end())
      targets.push_back(jid);
  if (targets.empty()) return;
  xml::Element carbon("message", std::string(ns::kClient));
  carbon.set_attr("from", bare.bare());
  carbon.set_attr("type", message.type());
  carbon.add(xml::Element(std::string(wrapper), std::string(kCarbons)))
      .add(xml::Element("forwarded", std::string(kForward)))
      .add(message.element());
  for (const Jid& target : targets) {
    carbon.set_attr("to", target.full());
    router_.deliver(carbon);
  }
}

}  // namespace jabberadmin::carbons
