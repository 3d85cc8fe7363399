// RFC 6121 §4: presence broadcast, probes, directed presence, unavailable on disconnect;
// XEP-0153: the server stamps the account's avatar hash on its outgoing presence.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "module/module.hpp"
#include "presence/contacts.hpp"
#include "router/router.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::presence {

// The SHA-1 (hex) of a local account's avatar ("" = none), or nothing: not stamped.
using AvatarHash = std::function<std::optional<std::string>(const Jid& bare)>;

// Replaces any <x xmlns='vcard-temp:x:update'/> in presence with one naming hash.
void stamp_avatar(xml::Element& presence, const std::string& hash);

// The presence module. Other modules (the roster) supply who is whose contact, who handles
// subscription stanzas and where avatar hashes come from; until then nobody is anybody's
// contact, subscription stanzas are routed unchanged and no hash is stamped.
class Presence final : public module::Module {
 public:
  // The module: registers with the context's router; the directed-presence cap from the
  // settings when there are any.
  explicit Presence(module::Context& context);
  // Registers itself with router; contacts must outlive it.
  Presence(router::Router& router, const Contacts& contacts);

  // Whose presence is shared with whom (nullptr: nobody's); contacts must outlive its use.
  void set_contacts(const Contacts* contacts) { contacts_ = contacts; }
  void set_subscriptions(Subscriptions* subscriptions) { subscriptions_ = subscriptions; }
  void set_avatar_hash(AvatarHash avatar_hash) { avatar_hash_ = std::move(avatar_hash); }
  // Targets one resource may hold directed available presence to; one more answers
  // <resource-constraint/> and goes nowhere (each target is remembered until unavailable).
  void set_max_directed(std::size_t max) { max_directed_ = max; }

  // The last presence of each of user's available resources goes to contact (a bare JID):
  // a subscription was approved or a shared group joined.
  void share(const Jid& user, const Jid& contact);
  // Each of user's available resources tells contact it is unavailable.
  void unshare(const Jid& user, const Jid& contact);
  // The user's avatar changed: each available resource's last presence, stamped anew, goes
  // to the contacts and the user's own resources again.
  void rebroadcast(const Jid& user);
  // A local resource (full JID) sent unavailable presence with no 'to', after it went out:
  // the last activity module keeps its status text (XEP-0012).
  util::Registration on_unavailable(std::function<void(const Jid&, const xml::Element&)> observer) {
    return unavailable_observers_.add(std::move(observer));
  }

  // Who gets user's presence, and whose presence user gets (bare JIDs; Contacts says).
  std::vector<Jid> subscribers(const Jid& user) const;
  std::vector<Jid> subscriptions(const Jid& user) const;

 private:
  void from_client(stream::Session& session, const stream::Stanza& presence);
  void broadcast(const Jid& from, const xml::Element& presence, bool initial);
  void unavailable(const Jid& from, const xml::Element& presence, bool was_available);
  void to_account(const stream::Stanza& presence);
  void answer_probe(const Jid& user, const Jid& prober);
  void send(xml::Element presence, const Jid& from, const Jid& to);
  // One presence for many recipients: 'from' stamped and serialized once.
  struct Outgoing {
    Outgoing(const xml::Element& presence, const Jid& from);
    Jid from;
    xml::Element element;     // for recipients the router does not take serialized
    xml::StanzaTemplate bytes;
  };
  void send(const Outgoing& presence, const Jid& to);
  void stamp(const Jid& user, xml::Element& presence) const;

  explicit Presence(router::Router& router);

  router::Router& router_;
  const Contacts* contacts_ = nullptr;
  Subscriptions* subscriptions_ = nullptr;
  AvatarHash avatar_hash_;
  // Who got directed available presence from a full JID, to hear of its going away (§4.6.3).
  std::map<std::string, std::set<std::string>> directed_;
  // Each available resource's last broadcast presence (by full JID), 'from' unset, stamped:
  // probes are answered with it and a new resource sees its siblings'. Here and not in the
  // router, which keeps only what routing needs (available, priority).
  struct Last {
    explicit Last(xml::Element presence);
    xml::Element element;
    xml::StanzaTemplate bytes;  // serialized once: a probe answer only addresses it
  };
  std::unordered_map<std::string, Last> last_;
  const Last* last(const Jid& full) const;
  std::size_t max_directed_ = 1000;
  util::Registration client_presence_, account_presence_, unbound_;
  util::Hooks<const Jid&, const xml::Element&> unavailable_observers_;
};

}  // namespace jabberadmin::presence
