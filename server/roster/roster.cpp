#include "roster/roster.hpp"

#include <algorithm>

namespace jabberadmin::roster {

Item from_personal(const PersonalItem& i) {
  return Item{i.jid, i.name, i.groups, subscription_from(i.subscription).value_or(Subscription::None), i.ask, {}};
}

Item from_shared(const SharedItem& i) {
  return Item{i.jid, i.name, {i.group}, Subscription::Both, false, i.group};
}

Roster::Roster(store::Database& db, const directory::DirectoryCache& directory, std::vector<std::string> hosts)
    : directory_(directory), personal_(db), pending_(db), accounts_(db), shared_(directory, std::move(hosts)) {}

std::vector<Item> Roster::items(const Jid& user) {
  std::vector<Item> out;
  const auto* group = shared_.group_items(user);
  visit(user, [&](std::size_t i) { out.push_back(from_shared((*group)[i])); },
        [&](const PersonalItem& p) { out.push_back(from_personal(p)); });
  return out;
}

void Roster::visit(const Jid& user, const std::function<void(std::size_t shared_index)>& on_shared,
                   const std::function<void(const PersonalItem&)>& on_personal) {
  static const std::vector<SharedItem> kNone;
  const auto* group = shared_.group_items(user);
  const auto& shared = group ? *group : kNone;  // sorted by jid
  const std::string self = user.bare();
  const auto covered = [&](const std::string& jid) {
    const auto it = std::lower_bound(shared.begin(), shared.end(), jid,
                                     [](const SharedItem& i, const std::string& j) { return i.jid < j; });
    return jid != self && it != shared.end() && it->jid == jid;
  };
  std::vector<PersonalItem> personal;
  for (auto& p : personal_.items(self))
    if (!covered(p.jid)) personal.push_back(std::move(p));
  std::sort(personal.begin(), personal.end(), [](const auto& a, const auto& b) { return a.jid < b.jid; });
  auto next = personal.begin();
  for (std::size_t i = 0; i < shared.size(); ++i) {
    if (shared[i].jid == self) continue;
    for (; next != personal.end() && next->jid < shared[i].jid; ++next) on_personal(*next);
    on_shared(i);
  }
  for (; next != personal.end(); ++next) on_personal(*next);
}

AccountPurge::Removed Roster::purge(const std::vector<std::string>& bare_jids) {
  auto removed = accounts_.purge(bare_jids);
  personal_.forget_all();
  return removed;
}

std::optional<Item> Roster::item(const Jid& user, std::string_view contact) {
  if (auto s = shared_.item(user, contact)) return from_shared(*s);
  if (auto p = personal_.item(user.bare(), contact)) return from_personal(*p);
  return std::nullopt;
}

std::optional<Item> Roster::item(const Jid& user, const Jid& contact) {
  if (auto s = shared_.item(user, contact)) return from_shared(*s);
  if (auto p = personal_.item(user.bare(), contact.bare())) return from_personal(*p);
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
      PersonalItem item = personal_.item(me, contact).value_or(PersonalItem{std::string(contact)});
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
