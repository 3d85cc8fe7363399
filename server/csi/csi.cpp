#include "csi/csi.hpp"

#include "router/reroute.hpp"
#include "stream/c2s.hpp"
#include "stream/namespaces.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::csi {

// One inactive client: its resource and what waits for it. Written to through whatever
// session the resource has now: a stream that resumes it (XEP-0198) takes the filter over.
struct Csi::Client {
  Client(router::Router& r, Jid jid, std::size_t limit) : router(r), full(std::move(jid)), held(limit) {}
  router::Router& router;
  Jid full;
  HeldStanzas held;

  void write(std::string bytes) {
    if (router::Resource* r = router.find(full); r != nullptr && r->session != nullptr) r->session->send_now(std::move(bytes));
  }
  void take(const xml::Element* stanza, std::string bytes) {
    const HeldStanzas::Write out = [this](std::string b) { write(std::move(b)); };
    // A broadcast comes serialized; it is read back only for a client that is inactive.
    std::optional<xml::Element> parsed;
    if (stanza == nullptr && (parsed = xml::parse_serialized(bytes, ns::kClient))) stanza = &*parsed;
    if (stanza == nullptr) {
      held.flush(out);
      return write(std::move(bytes));
    }
    held.offer(*stanza, std::move(bytes), out);
  }
};

Csi::Csi(module::Context& context, std::size_t max_held)
    : Module("csi"), router_(context.router()), max_held_(max_held) {
  feature_ = context.stream_feature(stream::FeatureStage::PostAuth, xml::Element("csi", std::string(ns::kCsi)));
  // Bind2 (XEP-0386): <inactive/> inside <bind/>, a client that starts in the background.
  bind_inline_ = context.stream_features().bind_inline(
      std::string(ns::kCsi),
      [this](stream::C2s& stream, const xml::Element& request, xml::Element&) { on_nonza(stream, request); });
  nonzas_ = context.router().handle_nonza(std::string(ns::kCsi), [this](stream::Session& session, const xml::Element& nonza) {
    on_nonza(session, nonza);
  });
  unbound_ = context.router().on_unbind([this](const Jid& full, const router::Resource& r) {
    const auto it = inactive_.find(full.full());
    if (it == inactive_.end()) return;
    const std::shared_ptr<Client> client = std::move(it->second);
    inactive_.erase(it);
    if (r.session != nullptr) r.session->filter_outbound({});
    // The session ended without a resume: what waited goes as stream management routes
    // what a client never acknowledged (messages to another resource or offline storage,
    // presence dropped). Only presence and chat states wait, never a body.
    client->held.flush([this](std::string bytes) {
      if (auto stanza = xml::parse_serialized(bytes, ns::kClient)) router::reroute(router_, *stanza);
    });
  });
}

Csi::~Csi() {
  for (auto& [jid, client] : inactive_)
    if (router::Resource* r = router_.find(client->full); r != nullptr && r->session != nullptr)
      r->session->filter_outbound({});
}

void Csi::on_nonza(stream::Session& session, const xml::Element& nonza) {
  if (nonza.name() == "inactive") return inactive(session);
  if (nonza.name() == "active") return active(session);
  // Anything else in the namespace means nothing (XEP-0352 defines only these two).
}

void Csi::inactive(stream::Session& session) {
  auto [it, added] = inactive_.try_emplace(session.jid().full());
  if (!added) return;
  it->second = std::make_shared<Client>(router_, session.jid(), max_held_);
  // The filter is removed before its client goes (active, unbound, ~Csi).
  session.filter_outbound([client = it->second.get()](const xml::Element* stanza, std::string bytes) {
    client->take(stanza, std::move(bytes));
  });
}

void Csi::active(stream::Session& session) {
  const auto it = inactive_.find(session.jid().full());
  if (it == inactive_.end()) return;
  const std::shared_ptr<Client> client = std::move(it->second);
  inactive_.erase(it);
  session.filter_outbound({});
  client->held.flush([&client](std::string b) { client->write(std::move(b)); });
}

}  // namespace jabberadmin::csi
