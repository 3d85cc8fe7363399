// PEP nodes and items of every account, kept in SQLite (component "pep"). Accounts are
// keyed by their directory name: the same account on each served host has one set of
// nodes. Items of nodes with persist_items off live in memory only: the last one, lost at
// a restart (XEP-0060 §4.6 transient nodes keep no items; the last is kept for new contacts).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pep/node_config.hpp"
#include "store/database.hpp"
#include "xml/element.hpp"

namespace jabberadmin::pep {

struct Item {
  std::string id;
  xml::Element payload;
};

// What an account stores: items and their payloads' bytes.
struct Usage {
  std::size_t items = 0;
  std::size_t bytes = 0;
};

class PepStore {
 public:
  explicit PepStore(store::Database& database);

  std::optional<NodeConfig> node(const std::string& account, const std::string& node);
  // The account's nodes, by name.
  std::vector<std::pair<std::string, NodeConfig>> nodes(const std::string& account);
  void create(const std::string& account, const std::string& node, const NodeConfig& config);
  // New configuration; items beyond the new max_items (the oldest) go.
  void configure(const std::string& account, const std::string& node, const NodeConfig& config);
  // The node and its items; false when there was none.
  bool remove(const std::string& account, const std::string& node);
  // Stores (or replaces, by id) an item, and trims the node to config.max_items.
  void publish(const std::string& account, const std::string& node, const NodeConfig& config, const Item& item);
  // The newest items first, at most max.
  std::vector<Item> items(const std::string& account, const std::string& node, std::size_t max);
  std::optional<Item> item(const std::string& account, const std::string& node, const std::string& id);
  bool retract(const std::string& account, const std::string& node, const std::string& id);
  // Every item of the node.
  void purge(const std::string& account, const std::string& node);
  // The account's stored items and bytes, leaving out the item (node, id) if there is one
  // (a publish that replaces it).
  Usage usage(const std::string& account, const std::string& node, const std::string& id);
  // Every account that has nodes.
  std::vector<std::string> accounts();
  // Everything of a deleted account; the rows that went.
  std::size_t purge(const std::string& account);

 private:
  void trim(const std::string& account, const std::string& node, std::size_t max);
  store::Database& db_;
  std::map<std::pair<std::string, std::string>, Item> transient_;  // (account, node) -> last item
};

}  // namespace jabberadmin::pep
