#include "caps/caps.hpp"

#include <array>

#include <boost/asio/post.hpp>

#include "caps/caps_hash.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::caps {
namespace {
// Bounds against a client inventing hashes: each verified entry is a real feature list, but
// nothing stops a client from announcing many. Beyond these, unknown ones are not asked.
constexpr std::size_t kMaxCached = 10000;
constexpr std::size_t kMaxPending = 1000;

constexpr std::array<std::string_view, 1> kMigrations{
    "CREATE TABLE caps_features (hash TEXT NOT NULL, ver TEXT NOT NULL, features TEXT NOT NULL,"
    " PRIMARY KEY (hash, ver))",
};

std::string join(const Features& features) {
  std::string s;
  for (const std::string& f : features) s += f + "\n";
  return s;
}

Features split(std::string_view text) {
  Features out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    out.emplace(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}
}  // namespace

EntityCaps::EntityCaps(module::Context& context) : EntityCaps(context.router(), &context.database()) {
  // Posted: it runs when the server's loop starts, after every module has registered its
  // features and before any client is served.
  boost::asio::post(context.executor(), [this, alive = std::weak_ptr<int>(alive_), &context] {
    if (alive.lock()) advertise_server(context);
  });
}

void EntityCaps::advertise_server(module::Context& context) {
  const auto ver = caps::ver(context.disco_features().info_query(router::IqTarget::Server), "sha-1");
  if (!ver) return;  // the server's own features cannot be ambiguous; nothing to say if they were
  server_ver_ = *ver;
  server_node_ = context.disco_info_node(router::IqTarget::Server, std::string(kServerNode) + "#" + server_ver_);
  xml::Element c("c", std::string(ns::kCaps));
  c.set_attr("hash", "sha-1").set_attr("node", kServerNode).set_attr("ver", server_ver_);
  server_feature_ = context.stream_feature(stream::FeatureStage::PostAuth, c);
}

EntityCaps::EntityCaps(router::Router& router, store::Database* database)
    : Module("caps"), router_(router), database_(database) {
  if (database_) database_->migrate("caps", kMigrations);
  presence_ = router_.on_presence_changed(
      [this](const Jid& full, const router::Resource& r, const xml::Element* presence) { presence_changed(full, r, presence); });
  responses_ = router_.on_server_iq_response([this](const xml::Element& iq) { response(iq); });
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) {
    const std::string name = full.full();
    resources_.erase(name);
    // A question it will never answer: the next resource announcing that ver is asked.
    std::erase_if(pending_, [&](const auto& p) { return p.second.asked == name; });
  });
}

const Features* EntityCaps::features(const Jid& full) const {
  const auto it = resources_.find(full.full());
  return it == resources_.end() || !it->second.second ? nullptr : it->second.second.get();
}

bool EntityCaps::wants_notify(const Jid& full, std::string_view node) const {
  const Features* f = features(full);
  return f != nullptr && f->contains(std::string(node) + "+notify");
}

std::shared_ptr<const Features> EntityCaps::lookup(const Key& key) {
  if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
  if (database_ == nullptr) return nullptr;
  auto st = database_->prepare("SELECT features FROM caps_features WHERE hash = ?1 AND ver = ?2");
  st.bind(1, key.hash).bind(2, key.ver);
  if (!st.step()) return nullptr;
  auto features = std::make_shared<const Features>(split(st.text(0)));
  if (cache_.size() < kMaxCached) cache_.emplace(key, features);
  return features;
}

void EntityCaps::presence_changed(const Jid& full, const router::Resource& resource, const xml::Element* presence) {
  const std::string name = full.full();
  const xml::Element* c = resource.available && presence ? presence->child("c", ns::kCaps) : nullptr;
  // Without a hash (legacy caps, §7) the 'ver' says nothing verifiable: treated as none.
  if (c == nullptr || !c->attr("hash") || !c->attr("ver") || !c->attr("node")) {
    resources_.erase(name);
    return;
  }
  const Key key{std::string(*c->attr("hash")), std::string(*c->attr("ver"))};
  if (key.hash != "sha-1" && key.hash != "sha-256") {
    resources_.erase(name);  // a hash we cannot check: not worth a question
    return;
  }
  if (const auto it = resources_.find(name); it != resources_.end() && it->second.first == key) return;  // unchanged
  auto features = lookup(key);
  resources_[name] = {key, features};
  if (features) return known_(full);
  ask(full, key, std::string(*c->attr("node")));
}

void EntityCaps::ask(const Jid& full, const Key& key, const std::string& node) {
  for (const auto& [id, p] : pending_)
    if (p.key == key) return;  // asked already: the answer serves every resource announcing it
  if (pending_.size() >= kMaxPending || cache_.size() >= kMaxCached) return;
  const std::string id = "caps" + std::to_string(++next_id_);
  pending_.emplace(id, Pending{key, full.full()});
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "get").set_attr("id", id).set_attr("from", full.domain).set_attr("to", full.full());
  iq.add(xml::Element("query", std::string(ns::kDiscoInfo))).set_attr("node", node + "#" + key.ver);
  router_.deliver(iq);
}

void EntityCaps::response(const xml::Element& iq) {
  const auto it = pending_.find(iq.attr_or("id"));
  if (it == pending_.end()) return;
  const auto from = stream::address(iq, "from").jid;
  if (!from || from->full() != it->second.asked) return;  // not from whom we asked: ignored
  const Pending asked = it->second;
  pending_.erase(it);
  const xml::Element* query = iq.child("query", ns::kDiscoInfo);
  if (stream::stanza_type(iq) != "result" || query == nullptr) return;
  const auto computed = ver(*query, asked.key.hash);
  if (!computed || *computed != asked.key.ver) {
    // §5.4: not to be believed (nor asked again of this resource until it says otherwise).
    // Debug only: a client choosing what it announces must not be able to flood the log.
    log::debug("entity capabilities of " + asked.asked + " do not match their ver: ignored");
    return;
  }
  Features features;
  for (const xml::Element& f : query->children())
    if (f.is("feature", ns::kDiscoInfo)) features.insert(f.attr_or("var"));
  learn(asked.key, std::move(features));
}

void EntityCaps::learn(const Key& key, Features features) {
  if (database_) {
    auto st = database_->prepare("INSERT OR REPLACE INTO caps_features (hash, ver, features) VALUES (?1, ?2, ?3)");
    st.bind(1, key.hash).bind(2, key.ver).bind(3, join(features));
    st.step();
  }
  auto shared = std::make_shared<const Features>(std::move(features));
  cache_[key] = shared;
  // Everyone who announced it meanwhile knows it now.
  std::vector<Jid> now_known;
  for (auto& [name, entry] : resources_)
    if (entry.first == key && !entry.second) {
      entry.second = shared;
      if (auto jid = Jid::parse(name)) now_known.push_back(*jid);
    }
  for (const Jid& jid : now_known) known_(jid);
}

}  // namespace jabberadmin::caps
