#include "blocking/blocking.hpp"

#include <algorithm>

#include "presence/presence.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::blocking {
namespace {
using ns::kBlocking;

xml::Element blocking(std::string_view name) { return xml::Element(std::string(name), std::string(kBlocking)); }

// <name xmlns='urn:xmpp:blocking'> with an <item jid/> for each of items (strings).
template <class Items>
xml::Element with_items(std::string_view name, const Items& items) {
  xml::Element e = blocking(name);
  for (const std::string& item : items) e.add(blocking("item")).set_attr("jid", item);
  return e;
}

bool covered_by(const std::vector<std::string>& items, const Jid& contact) {
  const std::string jid = contact.full();
  return std::any_of(items.begin(), items.end(), [&](const std::string& item) { return Blocklist::covers(item, jid); });
}

// What a bad 'jid' looked like, short enough for an error text.
std::string shown(std::string_view jid) {
  constexpr std::size_t kShown = 64;
  return "'" + std::string(jid.substr(0, kShown)) + (jid.size() > kShown ? "...'" : "'");
}
}  // namespace

Blocking::Blocking(module::Context& context)
    : Module("blocking"), router_(context.router()), presence_(context.require<presence::Presence>()),
      store_(context.database()), lists_(store_.load()) {
  const auto handler = [this](router::Router&, const xml::Element& iq) { on_request(iq); };
  // The XEP's requests carry no 'to' (the account); clients look for the feature on the server.
  account_ = context.handle_iq(router::IqTarget::Account, std::string(kBlocking), handler);
  server_ = context.handle_iq(router::IqTarget::Server, std::string(kBlocking), handler);
  filter_ = router_.filter_routes(
      [this](std::string_view from, const Jid& to, const xml::Element* stanza) { return allow(from, to, stanza); });
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) { interested_.erase(full.full()); });
  // An account deleted (live, or while the server was down) or re-created under its old
  // name (the roster tells them apart by their directory entries) starts with no list.
  kept_ = context.account_data().keep(module::AccountData::by_name(
      "blocklist", router_.hosts().front(),
      [this] {
        std::vector<std::string> names;
        for (const auto& [account, list] : lists_) names.push_back(account);
        return names;
      },
      [this](const std::string& account) { return forget(account); }));
}

std::size_t Blocking::forget(const std::string& account) {
  const auto list = lists_.find(account);
  if (list == lists_.end()) return 0;
  const std::size_t items = list->second.size();
  lists_.erase(list);
  store_.clear(account);
  return items;
}

const Blocklist* Blocking::list_of(std::string_view local, std::string_view domain) const {
  if (local.empty() || !router_.serves(domain)) return nullptr;
  const auto it = lists_.find(local);
  return it == lists_.end() ? nullptr : &it->second;
}

bool Blocking::is_server(std::string_view local, std::string_view domain) const {
  return local.empty() && router_.serves(domain);
}

bool Blocking::allow(std::string_view from_text, const Jid& to, const xml::Element* stanza) {
  if (lists_.empty() || from_text.empty()) return true;
  // 'from' was stamped by this server, so it is normalised: its parts are read in place,
  // without allocating (this runs for every stanza routed, every copy of a broadcast).
  const std::string_view from_bare = from_text.substr(0, from_text.find('/'));
  const auto at = from_bare.find('@');
  const std::string_view from_local = at == std::string_view::npos ? std::string_view() : from_bare.substr(0, at);
  const std::string_view from_domain = at == std::string_view::npos ? from_bare : from_bare.substr(at + 1);
  // The server itself, and one resource of an account to another, are never blocked
  // (XEP-0191 §7): a user who blocks the own domain still gets the server's answers.
  if (is_server(from_local, from_domain) || is_server(to.local, to.domain)) return true;
  if (from_local == to.local && router_.serves(from_domain) && router_.serves(to.domain)) return true;
  const Blocklist* mine = list_of(from_local, from_domain);
  const Blocklist* theirs = list_of(to.local, to.domain);
  if (mine == nullptr && theirs == nullptr) return true;
  const std::string kind = stanza ? stanza->name() : "presence";
  const std::string type = stanza ? stream::stanza_type(*stanza) : "available";
  const bool request = (kind == "iq" && (type == "get" || type == "set")) || (kind == "message" && type != "error");
  // §3.5: the user talks to someone the user blocked: not routed, and the client is told.
  if (mine != nullptr && mine->blocks(to.full())) {
    if (request) answer(*stanza, "not-acceptable", true);
    return false;
  }
  // §3.4: someone the recipient blocked: presence vanishes, requests look like nobody is there.
  if (theirs != nullptr && theirs->blocks(from_text)) {
    if (request) answer(*stanza, "service-unavailable", false);
    return false;
  }
  return true;
}

void Blocking::answer(const xml::Element& stanza, std::string_view condition, bool blocked_by_sender) {
  const auto from = stanza.attr("from");
  if (!from) return;
  // Only a client's own stanza has someone to tell; the server's on a user's behalf has not.
  router::Resource* sender = router_.find(Jid::split_normalized(*from));
  if (sender == nullptr) return;
  xml::Element reply = stream::error_reply(stanza, "cancel", condition);
  if (blocked_by_sender) {
    for (xml::Element& child : reply.children())
      if (child.name() == "error") child.add(xml::Element("blocked", std::string(ns::kBlockingErrors)));
  }
  sender->session->deliver(reply);
}

void Blocking::on_request(const xml::Element& iq) {
  const auto from = stream::address(iq, "from").jid;
  if (!from || from->local.empty()) return router_.bounce(iq, "modify", "bad-request");
  // Each account reads and changes its own list only.
  if (const auto to = stream::address(iq, "to").jid; to && !to->local.empty() && to->local != from->local)
    return router_.bounce(iq, "auth", "forbidden", "Another account's blocklist");
  const Jid user = *from;
  const xml::Element& payload = *iq.first_element();
  const std::string type = stream::stanza_type(iq);
  if (type == "get" && payload.name() == "blocklist") return get(iq, user);
  if (type == "set" && (payload.name() == "block" || payload.name() == "unblock")) return change(iq, user, payload);
  router_.bounce(iq, "modify", "bad-request", "Expected a blocklist get, or a block or unblock set");
}

void Blocking::get(const xml::Element& iq, const Jid& user) {
  xml::Element result = stream::iq_result(iq);
  const auto it = lists_.find(user.local);
  result.add(it == lists_.end() ? blocking("blocklist") : with_items("blocklist", it->second.items()));
  interested_.insert(user.full());  // §3.3: pushes go to the resources that asked
  router_.deliver(result);
}

std::optional<std::vector<std::string>> Blocking::items_of(const xml::Element& iq, const xml::Element& command) {
  std::vector<std::string> items;
  for (const xml::Element& child : command.children()) {
    if (!child.is("item", kBlocking)) continue;
    if (items.size() >= kMaxItems) {
      router_.bounce(iq, "modify", "policy-violation",
                     "A blocklist holds at most " + std::to_string(kMaxItems) + " JIDs");
      return std::nullopt;
    }
    const std::string jid = child.attr_or("jid");
    auto item = normalize_item(jid);
    if (!item) {
      router_.bounce(iq, "modify", jid.empty() ? "bad-request" : "jid-malformed",
                     jid.empty() ? "An item without a 'jid'" : "Not a JID: " + shown(jid));
      return std::nullopt;
    }
    if (std::find(items.begin(), items.end(), *item) == items.end()) items.push_back(std::move(*item));
  }
  return items;
}

void Blocking::change(const xml::Element& iq, const Jid& user, const xml::Element& command) {
  auto items = items_of(iq, command);
  if (!items) return;
  const std::string& account = user.local;
  if (command.name() == "block") {
    if (items->empty()) return router_.bounce(iq, "modify", "bad-request", "A block names at least one JID");
    Blocklist& list = lists_[account];  // (erased again below if it stays empty)
    std::vector<std::string> added;
    for (const std::string& item : *items)
      if (!list.contains(item)) added.push_back(item);
    if (list.size() + added.size() > kMaxItems) {
      if (list.empty()) lists_.erase(account);
      return router_.bounce(iq, "modify", "policy-violation",
                            "A blocklist holds at most " + std::to_string(kMaxItems) + " JIDs");
    }
    withdraw_presence(user, added);  // before the block: it would stop these too
    store_.add(account, added);
    for (std::string& item : added) list.add(item);
    if (list.empty()) lists_.erase(account);
  } else {
    const auto it = lists_.find(account);
    std::vector<std::string> removed;
    if (it != lists_.end()) {
      if (items->empty()) {
        // §3.3: an empty unblock unblocks everyone.
        removed.assign(it->second.items().begin(), it->second.items().end());
        store_.clear(account);
      } else {
        for (const std::string& item : *items)
          if (it->second.contains(item)) removed.push_back(item);
        store_.remove(account, removed);
      }
      for (const std::string& item : removed) it->second.remove(item);
      if (it->second.empty()) lists_.erase(it);
    }
    restore_presence(user, removed);
  }
  router_.deliver(stream::iq_result(iq));
  push(user, with_items(command.name(), *items));
}

void Blocking::push(const Jid& user, const xml::Element& command) {
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "set");
  iq.add(command);
  for (const std::string& host : router_.hosts()) {
    const Jid bare{user.local, host, {}};
    for (const auto& [jid, resource] : router_.resources(bare)) {
      if (!interested_.contains(jid.full())) continue;
      iq.set_attr("id", "block-push-" + std::to_string(++pushes_));
      iq.set_attr("from", bare.bare());
      iq.set_attr("to", jid.full());
      resource->session->deliver(iq);
    }
  }
}

void Blocking::withdraw_presence(const Jid& user, const std::vector<std::string>& items) {
  const auto covered = [&items](const Jid& contact) { return covered_by(items, contact); };
  const Jid bare = user.to_bare();
  for (const Jid& subscriber : presence_.subscribers(bare))
    if (covered(subscriber)) presence_.unshare(bare, subscriber);
  // The user's clients no longer hear from them either: they see them leave now.
  for (const Jid& contact : presence_.subscriptions(bare)) {
    if (!covered(contact)) continue;
    for (const auto& [jid, r] : router_.resources(contact)) {
      if (!r->available) continue;
      xml::Element gone("presence", std::string(ns::kClient));
      gone.set_attr("type", "unavailable");
      gone.set_attr("from", jid.full());
      gone.set_attr("to", bare.bare());
      router_.deliver(gone);
    }
  }
}

void Blocking::restore_presence(const Jid& user, const std::vector<std::string>& items) {
  const auto covered = [&items](const Jid& contact) { return covered_by(items, contact); };
  const Jid bare = user.to_bare();
  for (const Jid& subscriber : presence_.subscribers(bare))
    if (covered(subscriber)) presence_.share(bare, subscriber);
  for (const Jid& contact : presence_.subscriptions(bare))
    if (covered(contact)) presence_.share(contact, bare);
}

}  // namespace jabberadmin::blocking
