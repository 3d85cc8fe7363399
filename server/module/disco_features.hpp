// The XEP-0030 features the server and its accounts advertise. Modules register them
// (module::Context::handle_iq does so for each IQ namespace it handles, so a feature is
// advertised exactly while something answers it; disco_feature() for the others); the
// disco module answers disco#info from here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "router/router.hpp"
#include "util/registration.hpp"
#include "xml/element.hpp"

namespace jabberadmin::module {

class DiscoFeatures {
 public:
  // without_handler: why var is advertised although no IQ handler answers it (the
  // msgoffline feature names a behaviour, not a namespace); empty for an IQ namespace.
  util::Registration add(router::IqTarget target, std::string var, std::string without_handler = {});
  // The features of target, sorted, each once.
  std::vector<std::string> of(router::IqTarget target) const;
  // The reason given for a feature without a handler ("" if none was given).
  std::string without_handler(router::IqTarget target, const std::string& var) const;
  // An identity besides the built-in one (server/im, account/registered): PEP's pubsub/pep.
  util::Registration add_identity(router::IqTarget target, const std::string& category, const std::string& type);
  // (category, type) of the added identities of target, sorted, each once.
  std::vector<std::pair<std::string, std::string>> identities(router::IqTarget target) const;
  // The target's whole disco#info <query/>: its built-in identity (server/im "cl-jabberd",
  // account/registered), the added identities, the features.
  xml::Element info_query(router::IqTarget target) const;
  // A node whose disco#info is the target's own (the server's entity capabilities node#ver).
  util::Registration add_info_node(router::IqTarget target, std::string node);
  bool is_info_node(router::IqTarget target, std::string_view node) const;
  // disco#items without a node: each provider adds the <item/>s it has for the asking IQ
  // (PEP: an account's nodes the requester may see).
  using ItemsProvider = std::function<std::vector<xml::Element>(const xml::Element& iq)>;
  util::Registration add_items(router::IqTarget target, ItemsProvider provider);
  std::vector<xml::Element> items(router::IqTarget target, const xml::Element& iq) const;
  // disco#items of one node (XEP-0050's command list): one provider per (target, node),
  // asked with the IQ so it can answer by its sender; a node nobody registered is
  // item-not-found.
  util::Registration add_items_node(router::IqTarget target, std::string node, ItemsProvider provider);
  bool is_items_node(router::IqTarget target, std::string_view node) const;
  std::vector<xml::Element> node_items(router::IqTarget target, std::string_view node, const xml::Element& iq) const;

 private:
  struct Held {
    std::size_t count = 0;  // how many registrations hold it
    std::string without_handler;
  };
  // (target, var) -> who holds it.
  using Counts = std::map<std::pair<router::IqTarget, std::string>, Held>;
  static util::Registration count(const std::shared_ptr<Counts>& table, router::IqTarget target, std::string key,
                                  std::string without_handler = {});
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
  std::shared_ptr<Counts> identities_ = std::make_shared<Counts>();  // key "category/type"
  std::shared_ptr<Counts> info_nodes_ = std::make_shared<Counts>();
  using Providers = std::map<std::uint64_t, std::pair<router::IqTarget, ItemsProvider>>;
  std::shared_ptr<Providers> providers_ = std::make_shared<Providers>();
  std::uint64_t next_provider_ = 0;
  using NodeProviders = std::map<std::pair<router::IqTarget, std::string>, ItemsProvider>;
  std::shared_ptr<NodeProviders> node_providers_ = std::make_shared<NodeProviders>();
};

}  // namespace jabberadmin::module
