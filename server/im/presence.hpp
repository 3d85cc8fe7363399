// RFC 6121 §4: presence broadcast, probes, directed presence, unavailable on disconnect.
#pragma once

#include <map>
#include <set>
#include <string>

#include "im/contacts.hpp"
#include "router/router.hpp"

namespace jabberadmin::im {

class Presence {
 public:
  // Registers itself with router; contacts must outlive it.
  Presence(router::Router& router, const Contacts& contacts);

 private:
  void from_client(stream::Session& session, const xml::Element& presence);
  void broadcast(const Jid& from, const xml::Element& presence, bool initial);
  void unavailable(const Jid& from, const xml::Element& presence, bool was_available);
  void to_account(const xml::Element& presence);
  void answer_probe(const Jid& user, const Jid& prober);
  void send(xml::Element presence, const Jid& from, const Jid& to);

  router::Router& router_;
  const Contacts& contacts_;
  // Who got directed available presence from a full JID, to hear of its going away (§4.6.3).
  std::map<std::string, std::set<std::string>> directed_;
};

}  // namespace jabberadmin::im
