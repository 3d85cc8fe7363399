#include "pep/pep.hpp"

#include <chrono>
#include <set>

#include "pep/directory_avatar.hpp"
#include "roster/roster_module.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::pep {
namespace {
using ns::kPubsub;
using ns::kPubsubEvent;
using ns::kPubsubOwner;

// The XEP-0060 features this service really has (disco#info of an account's bare JID).
constexpr std::string_view kFeatures[] = {
    "access-open",  "access-presence", "access-whitelist", "auto-create",    "config-node",
    "create-nodes", "delete-items",    "delete-nodes",     "item-ids",       "last-published",
    "persistent-items", "publish",     "publish-options",  "purge-nodes",    "retract-items",
    "retrieve-default", "retrieve-items",
};

// A stanza error, with a pubsub#errors condition when given.
void fail(router::Router& r, const xml::Element& iq, std::string_view type, std::string_view condition,
          std::string_view text, std::string_view pubsub_condition = {}) {
  xml::Element reply = stream::error_reply(iq, type, condition, text);
  if (!pubsub_condition.empty())
    for (xml::Element& e : reply.children())
      if (e.is("error", ns::kClient)) e.add(xml::Element(std::string(pubsub_condition), std::string(ns::kPubsubErrors)));
  r.deliver(reply);
}

xml::Element pubsub_element(std::string_view xmlns, std::string_view child, const std::string& node) {
  xml::Element p("pubsub", std::string(xmlns));
  p.add(xml::Element(std::string(child), std::string(xmlns))).set_attr("node", node);
  return p;
}

xml::Element event_items(const std::string& node) {
  xml::Element items("items", std::string(kPubsubEvent));
  items.set_attr("node", node);
  return items;
}

xml::Element item_element(std::string_view xmlns, const Item& item) {
  xml::Element e("item", std::string(xmlns));
  e.set_attr("id", item.id);
  e.add(item.payload);
  return e;
}

const xml::Element* form_of(const xml::Element* parent) {
  return parent ? parent->child("x", ns::kDataForms) : nullptr;
}
}  // namespace

Pep::Pep(module::Context& context)
    : Pep(context, context.require<caps::EntityCaps>(), context.require<roster::RosterModule>().contacts()) {
}

Pep::Pep(module::Context& context, caps::EntityCaps& caps, const presence::Contacts& contacts, PepLimits limits)
    : Module("pep"),
      router_(context.router()),
      directory_(context.directory()),
      store_(context.database()),
      caps_(caps),
      contacts_(contacts),
      limits_(limits) {
  using router::IqTarget;
  registrations_.push_back(context.handle_iq(IqTarget::Account, std::string(kPubsub),
                                             [this](router::Router&, const xml::Element& iq) { pubsub(iq); }));
  registrations_.push_back(context.handle_iq(IqTarget::Account, std::string(kPubsubOwner),
                                             [this](router::Router&, const xml::Element& iq) { owner(iq); }));
  registrations_.push_back(context.disco_identity(IqTarget::Account, "pubsub", "pep"));
  for (std::string_view f : kFeatures)
    registrations_.push_back(context.disco_feature(IqTarget::Account, std::string(kPubsub) + "#" + std::string(f),
                                                   "a XEP-0060 feature of the pubsub handler"));
  registrations_.push_back(context.disco_items(IqTarget::Account, [this](const xml::Element& iq) { return node_items(iq); }));
  registrations_.push_back(caps_.on_known([this](const Jid& full) { send_last_items(full); }));
  registrations_.push_back(directory_.observe([this](const directory::UserChange& change) {
    if (change.before && change.after && change.before->photo != change.after->photo) avatar_changed(*change.after);
  }));
  // An account deleted (live, or while the server was down) or re-created under its old
  // name (the roster tells them apart by their directory entries) starts with no nodes.
  registrations_.push_back(context.account_data().keep(module::AccountData::by_name(
      "PEP nodes", router_.hosts().front(), [this] { return store_.accounts(); },
      [this](const std::string& name) { return store_.purge(name); })));
}

std::optional<Pep::Request> Pep::request(const xml::Element& iq) {
  const auto from = stream::address(iq, "from").jid;
  if (!from) return std::nullopt;
  const auto to = stream::address(iq, "to").jid;
  const Jid service = (to ? *to : *from).to_bare();
  const User* user = directory_.find(service.local);
  if (user == nullptr) {
    fail(router_, iq, "cancel", "item-not-found", "No such account");
    return std::nullopt;
  }
  const bool is_owner = from->local == service.local && router_.serves(from->domain);
  return Request{iq, *from, service, user, is_owner};
}

std::optional<NodeConfig> Pep::node(const User& user, const std::string& node) {
  if (is_avatar_node(node)) return avatar_config();
  return store_.node(user.name, node);
}

std::vector<Item> Pep::read(const User& user, const std::string& node, std::size_t max) {
  if (!is_avatar_node(node)) return store_.items(user.name, node, max);
  std::vector<Item> out;
  if (auto item = avatar_item(user, node); item && max > 0) out.push_back(std::move(*item));
  return out;
}

Access Pep::access_for(const NodeConfig& config, const Jid& owner, const Jid& requester) const {
  const bool is_owner = requester.local == owner.local && router_.serves(requester.domain);
  const bool subscriber = !is_owner && config.access == AccessModel::Presence &&
                          contacts_.is_subscriber(owner.to_bare(), requester.to_bare());
  return access(config, is_owner, subscriber);
}

void Pep::pubsub(const xml::Element& iq) {
  const auto r = request(iq);
  if (!r) return;
  const xml::Element* ps = iq.first_element();
  const xml::Element* op = ps->first_element();
  if (op == nullptr) return fail(router_, iq, "modify", "bad-request", "Empty pubsub request");
  const bool set = stream::stanza_type(iq) == "set";
  if (set && op->is("publish", kPubsub)) return publish(*r, *op, ps->child("publish-options", kPubsub));
  if (set && op->is("retract", kPubsub)) return retract(*r, *op);
  if (set && op->is("create", kPubsub)) return create(*r, *op, ps->child("configure", kPubsub));
  if (!set && op->is("items", kPubsub)) return items(*r, *op);
  // Subscriptions are implicit in PEP (presence and +notify), affiliations are fixed.
  fail(router_, iq, "cancel", "feature-not-implemented", "Not supported by this PEP service: " + op->name(), "unsupported");
}

void Pep::owner(const xml::Element& iq) {
  const auto r = request(iq);
  if (!r) return;
  const xml::Element* op = iq.first_element()->first_element();
  if (op == nullptr) return fail(router_, iq, "modify", "bad-request", "Empty pubsub#owner request");
  if (!r->is_owner) return fail(router_, iq, "auth", "forbidden", "Only the account itself manages its nodes");
  const bool set = stream::stanza_type(iq) == "set";
  if (op->is("default", kPubsubOwner) && !set) {
    xml::Element reply = stream::iq_result(iq);
    reply.add(xml::Element("pubsub", std::string(kPubsubOwner)))
        .add(xml::Element("default", std::string(kPubsubOwner)))
        .add(config_form(NodeConfig{}));
    return router_.deliver(reply);
  }
  if (op->is("configure", kPubsubOwner)) return configure(*r, *op);
  if (set && op->is("delete", kPubsubOwner)) return remove(*r, *op);
  if (set && op->is("purge", kPubsubOwner)) {
    const std::string name = op->attr_or("node");
    if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
    const auto config = store_.node(r->user->name, name);
    if (!config) return fail(router_, iq, "cancel", "item-not-found", "No node " + name);
    store_.purge(r->user->name, name);
    router_.deliver(stream::iq_result(iq));
    xml::Element purge("purge", std::string(kPubsubEvent));
    purge.set_attr("node", name);
    notify(r->user->name, name, *config, purge);
    return changed(r->service, name);
  }
  fail(router_, iq, "cancel", "feature-not-implemented", "Not supported by this PEP service: " + op->name(), "unsupported");
}

std::optional<Pep::Refusal> Pep::store_item(const std::string& account, const std::string& name, Item& item,
                                            const xml::Element* form, const NodeConfig& defaults, NodeConfig& config) {
  const std::size_t size = xml::serialize(item.payload, ns::kClient).size();
  if (size > limits_.item_bytes)
    return Refusal{"modify", "not-acceptable",
                   "An item may have at most " + std::to_string(limits_.item_bytes) + " bytes", "payload-too-big"};
  // What the account stores besides the item this one replaces, if any.
  const Usage used = store_.usage(account, name, item.id);
  if (used.items + 1 > limits_.items || used.bytes + size > limits_.bytes)
    return Refusal{"wait", "resource-constraint",
                   "The account's PEP storage is full (at most " + std::to_string(limits_.items) + " items, " +
                       std::to_string(limits_.bytes / 1024) + " KiB)",
                   {}};
  if (item.id.empty())
    item.id = std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "-" + std::to_string(++next_id_);

  auto existing = store_.node(account, name);
  if (!existing) {
    // Auto-create (XEP-0163 §3), configured by the publish-options.
    if (store_.nodes(account).size() >= limits_.nodes)
      return Refusal{"wait", "policy-violation", "An account may have at most " + std::to_string(limits_.nodes) + " nodes", {}};
    FormResult applied = form ? apply_form(*form, defaults) : FormResult{defaults, {}};
    if (!applied.error.empty()) return Refusal{"cancel", "conflict", applied.error, "precondition-not-met"};
    existing = applied.config;
    store_.create(account, name, *existing);
  } else if (form) {
    if (const std::string field = unmet_precondition(*form, *existing); !field.empty())
      return Refusal{"cancel", "conflict", "The node's " + field + " is not as the publish-options ask", "precondition-not-met"};
  }
  config = *existing;
  store_.publish(account, name, config, item);
  return std::nullopt;
}

void Pep::publish(const Request& r, const xml::Element& publish, const xml::Element* options) {
  const xml::Element& iq = r.iq;
  if (!r.is_owner) return fail(router_, iq, "auth", "forbidden", "Only the account itself publishes to its nodes");
  const std::string name = publish.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "bad-request", "A node is required", "nodeid-required");
  if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
  const xml::Element* item = publish.child("item", kPubsub);
  if (item == nullptr || item->element_count() != 1)
    return fail(router_, iq, "modify", "bad-request", "Publish one item with one payload", "invalid-payload");
  Item stored{item->attr_or("id"), *item->first_element()};
  NodeConfig config;
  if (const auto refused = store_item(r.user->name, name, stored, form_of(options), NodeConfig{}, config))
    return fail(router_, iq, refused->type, refused->condition, refused->text, refused->pubsub_condition);

  xml::Element reply = stream::iq_result(iq);
  reply.add(pubsub_element(kPubsub, "publish", name))
      .children()
      .front()
      .add(xml::Element("item", std::string(kPubsub)))
      .set_attr("id", stored.id);
  router_.deliver(reply);
  xml::Element event = event_items(name);
  event.add(item_element(kPubsubEvent, stored));
  notify(r.user->name, name, config, event);
  changed(r.service, name);
}

std::optional<NodeConfig> Pep::node_config(const std::string& account, const std::string& node) {
  return store_.node(account, node);
}

std::vector<Item> Pep::node_contents(const std::string& account, const std::string& node) {
  return store_.items(account, node, kMaxItemsPerNode);
}

std::string Pep::publish_item(const std::string& account, const std::string& node, const NodeConfig& config, Item item,
                              Echo echo) {
  NodeConfig used;
  if (const auto refused = store_item(account, node, item, nullptr, config, used)) return refused->text;
  xml::Element event = event_items(node);
  event.add(item_element(kPubsubEvent, item));
  notify(account, node, used, event);
  changed(account, node, echo);
  return {};
}

bool Pep::retract_item(const std::string& account, const std::string& node, const std::string& id, Echo echo) {
  const auto config = store_.node(account, node);
  if (!config || !store_.retract(account, node, id)) return false;
  xml::Element event = event_items(node);
  event.add(xml::Element("retract", std::string(kPubsubEvent))).set_attr("id", id);
  notify(account, node, *config, event);
  changed(account, node, echo);
  return true;
}

util::Registration Pep::on_changed(std::string node, ChangeObserver observer) {
  return observers_[std::move(node)].add(std::move(observer));
}

void Pep::changed(const Jid& account, const std::string& node) const {
  if (const auto it = observers_.find(node); it != observers_.end()) it->second(account);
}

void Pep::changed(const std::string& account, const std::string& node, Echo echo) const {
  if (echo == Echo::No) return;
  // The node is the account's on every host, as notify() tells it.
  for (const std::string& host : router_.hosts()) changed(Jid{account, host, {}}, node);
}

void Pep::items(const Request& r, const xml::Element& items) {
  const xml::Element& iq = r.iq;
  const std::string name = items.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "bad-request", "A node is required", "nodeid-required");
  const auto config = node(*r.user, name);
  if (!config) return fail(router_, iq, "cancel", "item-not-found", "No node " + name);
  switch (access_for(*config, r.service, r.from)) {
    case Access::Allowed: break;
    case Access::PresenceSubscriptionRequired:
      return fail(router_, iq, "auth", "not-authorized", "Only contacts may read " + name, "presence-subscription-required");
    case Access::ClosedNode: return fail(router_, iq, "cancel", "not-allowed", "Only the owner may read " + name, "closed-node");
  }
  std::vector<Item> found;
  std::vector<std::string> ids;
  for (const xml::Element& c : items.children())
    if (c.is("item", kPubsub) && c.attr("id")) ids.push_back(c.attr_or("id"));
  if (!ids.empty()) {
    for (const std::string& id : ids) {
      if (is_avatar_node(name)) {
        if (auto item = avatar_item(*r.user, name); item && item->id == id) found.push_back(std::move(*item));
      } else if (auto item = store_.item(r.user->name, name, id)) {
        found.push_back(std::move(*item));
      }
    }
  } else {
    std::size_t max = kMaxItemsPerNode;
    if (const auto m = items.attr("max_items")) {
      try {
        max = std::stoul(std::string(*m));
      } catch (const std::exception&) {
        return fail(router_, iq, "modify", "bad-request", "max_items is no number");
      }
    }
    found = read(*r.user, name, std::min(max, kMaxItemsPerNode));
  }
  xml::Element reply = stream::iq_result(iq);
  xml::Element& list = reply.add(pubsub_element(kPubsub, "items", name)).children().front();
  for (const Item& item : found) list.add(item_element(kPubsub, item));
  router_.deliver(reply);
}

void Pep::retract(const Request& r, const xml::Element& retract) {
  const xml::Element& iq = r.iq;
  if (!r.is_owner) return fail(router_, iq, "auth", "forbidden", "Only the account itself retracts its items");
  const std::string name = retract.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "bad-request", "A node is required", "nodeid-required");
  if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
  const auto config = store_.node(r.user->name, name);
  if (!config) return fail(router_, iq, "cancel", "item-not-found", "No node " + name);
  const xml::Element* item = retract.child("item", kPubsub);
  if (item == nullptr || item->attr_or("id").empty())
    return fail(router_, iq, "modify", "bad-request", "Name the item to retract", "item-required");
  const std::string id = item->attr_or("id");
  if (!store_.retract(r.user->name, name, id)) return fail(router_, iq, "cancel", "item-not-found", "No item " + id);
  router_.deliver(stream::iq_result(iq));
  const std::string notify_attr = retract.attr_or("notify");
  if (notify_attr == "true" || notify_attr == "1") {
    xml::Element event = event_items(name);
    event.add(xml::Element("retract", std::string(kPubsubEvent))).set_attr("id", id);
    notify(r.user->name, name, *config, event);
  }
  changed(r.service, name);
}

void Pep::create(const Request& r, const xml::Element& create, const xml::Element* configure) {
  const xml::Element& iq = r.iq;
  if (!r.is_owner) return fail(router_, iq, "auth", "forbidden", "Only the account itself creates its nodes");
  const std::string name = create.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "not-acceptable", "Instant nodes are not supported", "nodeid-required");
  if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
  if (store_.node(r.user->name, name)) return fail(router_, iq, "cancel", "conflict", "Node " + name + " exists");
  if (store_.nodes(r.user->name).size() >= limits_.nodes)
    return fail(router_, iq, "wait", "policy-violation",
                "An account may have at most " + std::to_string(limits_.nodes) + " nodes");
  const xml::Element* form = form_of(configure);
  const FormResult applied = form ? apply_form(*form, NodeConfig{}) : FormResult{};
  if (!applied.error.empty()) return fail(router_, iq, "modify", "not-acceptable", applied.error);
  store_.create(r.user->name, name, applied.config);
  router_.deliver(stream::iq_result(iq));
}

void Pep::remove(const Request& r, const xml::Element& remove) {
  const xml::Element& iq = r.iq;
  const std::string name = remove.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "bad-request", "A node is required", "nodeid-required");
  if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
  const auto config = store_.node(r.user->name, name);
  if (!config || !store_.remove(r.user->name, name)) return fail(router_, iq, "cancel", "item-not-found", "No node " + name);
  router_.deliver(stream::iq_result(iq));
  xml::Element event("delete", std::string(kPubsubEvent));
  event.set_attr("node", name);
  notify(r.user->name, name, *config, event);
  changed(r.service, name);
}

void Pep::configure(const Request& r, const xml::Element& configure) {
  const xml::Element& iq = r.iq;
  const std::string name = configure.attr_or("node");
  if (name.empty()) return fail(router_, iq, "modify", "bad-request", "A node is required", "nodeid-required");
  const auto config = node(*r.user, name);
  if (!config) return fail(router_, iq, "cancel", "item-not-found", "No node " + name);
  if (stream::stanza_type(iq) == "get") {
    xml::Element reply = stream::iq_result(iq);
    reply.add(pubsub_element(kPubsubOwner, "configure", name)).children().front().add(config_form(*config));
    return router_.deliver(reply);
  }
  if (is_avatar_node(name)) return fail(router_, iq, "cancel", "not-allowed", kAvatarReadOnly);
  const xml::Element* form = form_of(&configure);
  if (form == nullptr) return fail(router_, iq, "modify", "bad-request", "A configuration form is required");
  if (form->attr_or("type") == "cancel") return router_.deliver(stream::iq_result(iq));
  const FormResult applied = apply_form(*form, *config);
  if (!applied.error.empty()) return fail(router_, iq, "modify", "not-acceptable", applied.error);
  store_.configure(r.user->name, name, applied.config);
  router_.deliver(stream::iq_result(iq));
}

std::vector<xml::Element> Pep::node_items(const xml::Element& iq) {
  std::vector<xml::Element> out;
  const auto from = stream::address(iq, "from").jid;
  if (!from) return out;
  const auto to = stream::address(iq, "to").jid;
  const Jid service = (to ? *to : *from).to_bare();
  const User* user = directory_.find(service.local);
  if (user == nullptr) return out;
  auto nodes = store_.nodes(user->name);
  if (!user->photo.empty())
    for (std::string_view avatar : {ns::kAvatarData, ns::kAvatarMetadata}) nodes.emplace_back(avatar, avatar_config());
  for (const auto& [name, config] : nodes)
    if (access_for(config, service, *from) == Access::Allowed) {
      xml::Element item("item", std::string(ns::kDiscoItems));
      item.set_attr("jid", service.bare()).set_attr("node", name);
      out.push_back(std::move(item));
    }
  return out;
}

void Pep::send_event(const Jid& from, const Jid& to, const xml::Element& event) {
  xml::Element message("message", std::string(ns::kClient));
  message.set_attr("from", from.bare()).set_attr("to", to.full()).set_attr("type", "headline");
  message.set_attr("id", "pep" + std::to_string(++next_id_));
  message.add(xml::Element("event", std::string(kPubsubEvent))).add(event);
  router_.deliver(message);
}

void Pep::notify(const std::string& account, const std::string& node, const NodeConfig& config,
                 const xml::Element& event) {
  std::set<std::string> sent;  // a contact on several hosts' views hears it once per resource
  for (const std::string& host : router_.hosts()) {
    const Jid owner{account, host, {}};
    std::vector<Jid> audience{owner};
    if (config.access != AccessModel::Whitelist)
      for (const Jid& contact : contacts_.subscribers(owner)) audience.push_back(contact.to_bare());
    for (const Jid& bare : audience)
      for (auto& [full, resource] : router_.resources(bare))
        if (resource->available && caps_.wants_notify(full, node) && sent.insert(full.full()).second)
          send_event(Jid{account, full.domain, {}}, full, event);
  }
}

void Pep::send_last_items(const Jid& full) {
  const Jid me = full.to_bare();
  std::vector<Jid> owners{me};
  for (const Jid& contact : contacts_.subscriptions(me))
    if (router_.serves(contact.domain) && !contact.local.empty()) owners.push_back(contact.to_bare());
  for (const Jid& owner : owners) {
    const User* user = directory_.find(owner.local);
    if (user == nullptr) continue;
    auto nodes = store_.nodes(user->name);
    for (std::string_view avatar : {ns::kAvatarMetadata, ns::kAvatarData}) nodes.emplace_back(avatar, avatar_config());
    for (const auto& [name, config] : nodes) {
      if (!config.send_last_published || !caps_.wants_notify(full, name)) continue;
      if (access_for(config, owner, me) != Access::Allowed) continue;
      const auto last = read(*user, name, 1);
      if (last.empty()) continue;
      xml::Element event = event_items(name);
      event.add(item_element(kPubsubEvent, last.front()));
      send_event(Jid{user->name, full.domain, {}}, full, event);
    }
  }
}

void Pep::avatar_changed(const User& user) {
  const Item item = avatar_item(user, ns::kAvatarMetadata).value_or(no_avatar());
  xml::Element event = event_items(std::string(ns::kAvatarMetadata));
  event.add(item_element(kPubsubEvent, item));
  notify(user.name, std::string(ns::kAvatarMetadata), avatar_config(), event);
}

}  // namespace jabberadmin::pep
