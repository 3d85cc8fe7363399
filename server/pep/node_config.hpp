// A PEP node's configuration (XEP-0060 §8.2 on XEP-0163 semantics), read from and written as
// data forms (pubsub#node_config, pubsub#publish-options), and who may read a node.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jabberadmin::pep {

// Per-node item limit: what max_items='max' means, and the highest number accepted.
inline constexpr std::size_t kMaxItemsPerNode = 1000;

enum class AccessModel { Open, Presence, Whitelist };
std::string_view to_string(AccessModel model);
std::optional<AccessModel> access_model(std::string_view text);

struct NodeConfig {
  AccessModel access = AccessModel::Presence;  // XEP-0163 §4: presence is PEP's default
  bool persist_items = true;
  std::size_t max_items = 1;
  bool send_last_published = true;  // pubsub#send_last_published_item != never
  friend bool operator==(const NodeConfig&, const NodeConfig&) = default;
};

// A form's fields applied to config. An error names the first field that is unknown or
// whose value is not acceptable.
struct FormResult {
  NodeConfig config;
  std::string error;  // empty: applied
};
FormResult apply_form(const xml::Element& form, NodeConfig config);

// XEP-0060 §7.1.5 publish-options: "" when the node's config satisfies every field of the
// form, otherwise the first field that does not (the precondition not met).
std::string unmet_precondition(const xml::Element& form, const NodeConfig& config);

// The node_config form of config (type='form', for configure and default requests).
xml::Element config_form(const NodeConfig& config);

// Who may read a node's items and hear of them: the owner always; with 'presence' whoever
// receives the owner's presence; with 'open' anybody; with 'whitelist' the owner only (the
// whitelist holds no one else: affiliations cannot be managed here).
enum class Access { Allowed, PresenceSubscriptionRequired, ClosedNode };
Access access(const NodeConfig& config, bool owner, bool presence_subscriber);

}  // namespace jabberadmin::pep
