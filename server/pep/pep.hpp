// XEP-0163 Personal Eventing Protocol: every account's bare JID is a pubsub service
// (XEP-0060 semantics, owner = the account). Publishing creates a node (publish-options
// configure it, or are checked as preconditions); items, retract, delete, configure. Who
// hears of an item: the owner's resources and, unless the node is a whitelist, the
// contacts that receive the owner's presence (the roster's presence::Contacts), each
// available resource whose entity capabilities (XEP-0115, caps::EntityCaps) say
// 'node+notify'; a resource whose capabilities become known gets the last item of such
// nodes (§4.3.2). Avatars (XEP-0084) are the directory's, served read-only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "caps/caps.hpp"
#include "module/module.hpp"
#include "pep/node_config.hpp"
#include "pep/pep_store.hpp"
#include "presence/contacts.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::pep {

// Limits per account (cl-jabberd(8)): a client cannot fill the server's disk.
struct PepLimits {
  std::size_t nodes = 100;
  std::size_t item_bytes = 64 * 1024;     // one item's payload, serialized
  std::size_t items = 2000;               // stored items of all the account's nodes
  std::size_t bytes = 4 * 1024 * 1024;    // their payloads together
};

class Pep final : public module::Module {
 public:
  explicit Pep(module::Context& context);
  // The parts, for unit tests.
  Pep(module::Context& context, caps::EntityCaps& caps, const presence::Contacts& contacts, PepLimits limits = {});

  // Changes the server makes on an account's behalf (the group rooms' bookmarks, the
  // bookmarks conversion of XEP-0411). Accounts are directory names. They are notified as a
  // client's change would be, and the on_changed observers hear of them as of a client's
  // (for the account on every served host), unless the writer is such an observer itself,
  // a conversion that must not echo back (Echo::No).
  enum class Echo { Yes, No };
  std::optional<NodeConfig> node_config(const std::string& account, const std::string& node);
  std::vector<Item> node_contents(const std::string& account, const std::string& node);
  // Publishes item (its id given) to the node, created with config if it does not exist; the
  // reason when the account's limits refuse it, empty when published.
  std::string publish_item(const std::string& account, const std::string& node, const NodeConfig& config, Item item,
                           Echo echo = Echo::Yes);
  // Retracts an item (notified); false when there was none.
  bool retract_item(const std::string& account, const std::string& node, const std::string& id, Echo echo = Echo::Yes);

  // observer hears, after the reply, that a client of account (bare JID) changed node: an
  // item published or retracted, the node purged or deleted.
  using ChangeObserver = std::function<void(const Jid& account)>;
  util::Registration on_changed(std::string node, ChangeObserver observer);

 private:
  void pubsub(const xml::Element& iq);
  void owner(const xml::Element& iq);
  // The parts of a request to account owner's service.
  struct Request {
    const xml::Element& iq;
    Jid from;        // the full JID asking
    Jid service;     // the owner's bare JID as addressed
    const User* user;
    bool is_owner;
  };
  std::optional<Request> request(const xml::Element& iq);
  void publish(const Request& r, const xml::Element& publish, const xml::Element* options);
  void items(const Request& r, const xml::Element& items);
  void retract(const Request& r, const xml::Element& retract);
  void create(const Request& r, const xml::Element& create, const xml::Element* configure);
  void remove(const Request& r, const xml::Element& remove);
  void configure(const Request& r, const xml::Element& configure);

  // Why a publish is refused: the stanza error to answer.
  struct Refusal {
    std::string_view type, condition;
    std::string text;
    std::string_view pubsub_condition;
  };
  // Stores item in account's node (an id made up when it has none), creating the node as
  // form configures defaults; the node's configuration, or why not.
  std::optional<Refusal> store_item(const std::string& account, const std::string& node, Item& item,
                                    const xml::Element* form, const NodeConfig& defaults, NodeConfig& config);
  void changed(const Jid& account, const std::string& node) const;
  // A server-made change of account's node, told to the observers as echo says.
  void changed(const std::string& account, const std::string& node, Echo echo) const;

  std::optional<NodeConfig> node(const User& user, const std::string& node);
  std::vector<Item> read(const User& user, const std::string& node, std::size_t max);
  // May requester read owner's node (and hear of it)?
  Access access_for(const NodeConfig& config, const Jid& owner, const Jid& requester) const;
  // An event (an <items/>, <delete/> or <purge/> of pubsub#event) to everyone who hears of
  // the node: the owner's resources and, as the node's access allows, the contacts'.
  void notify(const std::string& account, const std::string& node, const NodeConfig& config, const xml::Element& event);
  // disco#items of an account: the nodes the requester may read.
  std::vector<xml::Element> node_items(const xml::Element& iq);
  void send_event(const Jid& from, const Jid& to, const xml::Element& event);
  // A resource's interests became known: the last items it wants of itself and its contacts.
  void send_last_items(const Jid& full);
  void avatar_changed(const User& user);

  router::Router& router_;
  directory::DirectoryCache& directory_;
  PepStore store_;
  caps::EntityCaps& caps_;
  const presence::Contacts& contacts_;
  PepLimits limits_;
  std::uint64_t next_id_ = 0;
  std::map<std::string, util::Hooks<const Jid&>, std::less<>> observers_;
  std::vector<module::Registration> registrations_;
};

}  // namespace jabberadmin::pep
