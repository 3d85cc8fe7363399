#include "module/disco_features.hpp"

#include <stdexcept>

#include "stream/namespaces.hpp"

namespace jabberadmin::module {

util::Registration DiscoFeatures::add(router::IqTarget target, std::string var, std::string without_handler) {
  return count(counts_, target, std::move(var), std::move(without_handler));
}

util::Registration DiscoFeatures::add_identity(router::IqTarget target, const std::string& category,
                                               const std::string& type) {
  return count(identities_, target, category + "/" + type);
}

std::vector<std::pair<std::string, std::string>> DiscoFeatures::identities(router::IqTarget target) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, n] : *identities_)
    if (key.first == target) {
      const auto slash = key.second.find('/');
      out.emplace_back(key.second.substr(0, slash), key.second.substr(slash + 1));
    }
  return out;
}

xml::Element DiscoFeatures::info_query(router::IqTarget target) const {
  xml::Element q("query", std::string(ns::kDiscoInfo));
  xml::Element& identity = q.add(xml::Element("identity", std::string(ns::kDiscoInfo)));
  if (target == router::IqTarget::Server)
    identity.set_attr("category", "server").set_attr("type", "im").set_attr("name", "cl-jabberd");
  else
    identity.set_attr("category", "account").set_attr("type", "registered");
  for (const auto& [category, type] : identities(target))
    q.add(xml::Element("identity", std::string(ns::kDiscoInfo))).set_attr("category", category).set_attr("type", type);
  for (const std::string& feature : of(target))
    q.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", feature);
  return q;
}

util::Registration DiscoFeatures::add_info_node(router::IqTarget target, std::string node) {
  return count(info_nodes_, target, std::move(node));
}

bool DiscoFeatures::is_info_node(router::IqTarget target, std::string_view node) const {
  return info_nodes_->contains({target, std::string(node)});
}

util::Registration DiscoFeatures::add_items(router::IqTarget target, ItemsProvider provider) {
  const std::uint64_t id = next_provider_++;
  providers_->emplace(id, std::make_pair(target, std::move(provider)));
  return util::Registration([providers = std::weak_ptr<Providers>(providers_), id] {
    if (auto p = providers.lock()) p->erase(id);
  });
}

std::vector<xml::Element> DiscoFeatures::items(router::IqTarget target, const xml::Element& iq) const {
  std::vector<xml::Element> out;
  const auto providers = providers_;  // a provider may not unregister while it runs, but be safe
  for (const auto& [id, entry] : *providers)
    if (entry.first == target)
      for (xml::Element& item : entry.second(iq)) out.push_back(std::move(item));
  return out;
}

util::Registration DiscoFeatures::add_items_node(router::IqTarget target, std::string node, ItemsProvider provider) {
  auto key = std::make_pair(target, std::move(node));
  if (node_providers_->contains(key)) throw std::logic_error("a second items provider for the node " + key.second);
  node_providers_->emplace(key, std::move(provider));
  return util::Registration([providers = std::weak_ptr<NodeProviders>(node_providers_), key] {
    if (auto p = providers.lock()) p->erase(key);
  });
}

bool DiscoFeatures::is_items_node(router::IqTarget target, std::string_view node) const {
  return node_providers_->contains({target, std::string(node)});
}

std::vector<xml::Element> DiscoFeatures::node_items(router::IqTarget target, std::string_view node,
                                                    const xml::Element& iq) const {
  const auto providers = node_providers_;
  const auto it = providers->find({target, std::string(node)});
  if (it == providers->end()) return {};
  const ItemsProvider provider = it->second;  // a copy: it may unregister while it runs
  return provider(iq);
}

util::Registration DiscoFeatures::count(const std::shared_ptr<Counts>& table, router::IqTarget target, std::string var,
                                         std::string without_handler) {
  auto key = std::make_pair(target, std::move(var));
  Held& held = (*table)[key];
  ++held.count;
  if (!without_handler.empty()) held.without_handler = std::move(without_handler);
  return util::Registration([counts = std::weak_ptr<Counts>(table), key = std::move(key)] {
    auto c = counts.lock();
    if (!c) return;
    if (auto it = c->find(key); it != c->end() && --it->second.count == 0) c->erase(it);
  });
}

std::vector<std::string> DiscoFeatures::of(router::IqTarget target) const {
  std::vector<std::string> out;
  for (const auto& [key, count] : *counts_)
    if (key.first == target) out.push_back(key.second);
  return out;
}

std::string DiscoFeatures::without_handler(router::IqTarget target, const std::string& var) const {
  const auto it = counts_->find({target, var});
  return it == counts_->end() ? std::string() : it->second.without_handler;
}

}  // namespace jabberadmin::module
