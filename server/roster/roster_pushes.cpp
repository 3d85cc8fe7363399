#include "roster/roster_pushes.hpp"

#include "stream/namespaces.hpp"

namespace jabberadmin::roster {
namespace {
using ns::kRoster;
}

xml::Element roster_item_element(const Item& item) {
  xml::Element e("item", std::string(kRoster));
  e.set_attr("jid", item.jid);
  if (!item.name.empty()) e.set_attr("name", item.name);
  e.set_attr("subscription", roster::to_string(item.subscription));
  if (item.ask) e.set_attr("ask", "subscribe");
  for (const auto& g : item.groups) e.add(xml::Element("group", std::string(kRoster))).add_text(g);
  return e;
}

RosterPushes::RosterPushes(router::Router& router, Roster& roster) : router_(router), roster_(roster) {
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) { interested_.erase(full.full()); });
}

void RosterPushes::push(const Jid& user, std::string_view contact) {
  push(user, std::vector<std::string>{std::string(contact)});
}

void RosterPushes::push(const Jid& user, const Jid& contact) {
  send(user, {contact.bare()}, [&](const std::string&) { return roster_.item(user, contact); });
}

void RosterPushes::push(const Jid& user, const std::vector<std::string>& contacts) {
  send(user, contacts, [&](const std::string& contact) { return roster_.item(user, contact); });
}

void RosterPushes::send(const Jid& user, const std::vector<std::string>& contacts,
                        const std::function<std::optional<Item>(const std::string& contact)>& item_of) {
  std::vector<stream::Session*> to;
  for (auto& [jid, r] : router_.resources(user.to_bare()))
    if (interested_.contains(jid.full())) to.push_back(r->session);
  if (to.empty() || contacts.empty()) return;
  const std::string version = roster_.version(user);
  for (const auto& contact : contacts) {
    xml::Element query("query", std::string(kRoster));
    query.set_attr("ver", version);
    if (const auto item = item_of(contact)) {
      query.add(roster_item_element(*item));
    } else {
      query.add(xml::Element("item", std::string(kRoster))).set_attr("jid", contact).set_attr("subscription", "remove");
    }
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", "set");
    iq.set_attr("id", "push" + std::to_string(++counter_));
    iq.add(std::move(query));
    // Only those still bound. (A delivery never ends a session before it returns,
    // net::Transport::send; a client that does not read is dropped in a later turn.)
    for (auto* session : to) {
      bool still = false;
      for (auto& [jid, r] : router_.resources(user.to_bare())) still = still || r->session == session;
      if (!still) continue;
      iq.set_attr("to", session->jid().full());
      session->deliver(iq);
    }
  }
}

}  // namespace jabberadmin::roster
