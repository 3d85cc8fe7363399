#include "roster/roster.hpp"

#include <algorithm>

namespace jabberadmin::roster {

Item from_personal(const store::RosterItem& i) {
  return Item{i.jid, i.name, i.groups, subscription_from(i.subscription).value_or(Subscription::None), i.ask, {}};
}

Item from_shared(const SharedItem& i) {
  return Item{i.jid, i.name, {i.group}, Subscription::Both, false, i.group};
}

Roster::Roster(store::Database& db, const UserDirectory& directory, std::vector<std::string> hosts)
    : directory_(directory), personal_(db), pending_(db), shared_(directory, std::move(hosts)) {}

std::vector<Item> Roster::items(const Jid& user) {
  std::vector<Item> out;
  const auto shared = shared_.items(user);
  for (const auto& s : shared) out.push_back(from_shared(s));
  for (const auto& p : personal_.items(user.bare())) {
    const bool covered = std::any_of(shared.begin(), shared.end(), [&](const SharedItem& s) { return s.jid == p.jid; });
    if (!covered) out.push_back(from_personal(p));
  }
  std::sort(out.begin(), out.end(), [](const Item& a, const Item& b) { return a.jid < b.jid; });
  return out;
}

std::optional<Item> Roster::item(const Jid& user, std::string_view contact) {
  if (auto s = shared_.item(user, contact)) return from_shared(*s);
  if (auto p = personal_.item(user.bare(), contact)) return from_personal(*p);
  return std::nullopt;
}

std::string Roster::version(const Jid& user) {
  return std::to_string(personal_.version(user.bare())) + "-" + shared_.digest(user);
}

PairState Roster::state(const Jid& user, std::string_view contact) {
  PairState s;
  if (auto p = personal_.item(user.bare(), contact)) {
    s.item = true;
    s.subscription = subscription_from(p->subscription).value_or(Subscription::None);
    s.ask = p->ask;
  }
  s.pending_in = pending_.contains(user.bare(), contact);
  return s;
}

void Roster::set_state(const Jid& user, std::string_view contact, const PairState& state, std::string_view request) {
  const std::string me = user.bare();
  const PairState was = this->state(user, contact);
  if (state.item) {
    if (!was.item || was.subscription != state.subscription || was.ask != state.ask) {
      store::RosterItem item = personal_.item(me, contact).value_or(store::RosterItem{std::string(contact)});
      item.subscription = std::string(to_string(state.subscription));
      item.ask = state.ask;
      personal_.put(me, item);
    }
  } else if (was.item) {
    personal_.remove(me, contact);
  }
  if (state.pending_in && !request.empty()) pending_.put(me, contact, request);
  else if (!state.pending_in && was.pending_in) pending_.remove(me, contact);
}

}  // namespace jabberadmin::roster
