#include "roster/roster_contacts.hpp"


namespace jabberadmin::roster {
namespace {
// Roster JIDs are stored and computed normalised: split, not parsed again on every broadcast.
std::optional<Jid> split_bare(const std::string& bare) {
  const auto at = bare.find('@');
  if (bare.empty() || bare.find('/') != std::string::npos) return std::nullopt;
  if (at == std::string::npos) return Jid{{}, bare, {}};
  return Jid{bare.substr(0, at), bare.substr(at + 1), {}};
}
}  // namespace

std::vector<Jid> RosterContacts::with(const Jid& user, bool from) const {
  using S = Subscription;
  const std::string self = user.bare();
  std::vector<Jid> out;
  // The group view as it is kept (every login reads it): all but the user itself.
  if (const auto* group = roster_.shared().group_items(user)) {
    out.reserve(group->size());
    for (const auto& s : *group)
      if (s.jid != self)
        if (auto parsed = split_bare(s.jid)) out.push_back(std::move(*parsed));
  }
  // Personal items are unique per contact; one a group-mate's shared item covers is there already.
  for (const auto& p : roster_.personal().items(self)) {
    const S s = roster::subscription_from(p.subscription).value_or(S::None);
    if (s != S::Both && s != (from ? S::From : S::To)) continue;
    auto parsed = split_bare(p.jid);
    if (!parsed || roster_.shared().shares(user, *parsed)) continue;
    out.push_back(std::move(*parsed));
  }
  return out;
}

std::vector<Jid> RosterContacts::subscribers(const Jid& user) const { return with(user, true); }

bool RosterContacts::is_subscriber(const Jid& user, const Jid& contact) const {
  using S = Subscription;
  if (roster_.shared().shares(user, contact.to_bare())) return true;  // a group-mate: both ways
  const std::string bare = contact.bare();
  const auto personal = roster_.personal().item(user.bare(), bare);
  if (!personal) return false;
  const S s = roster::subscription_from(personal->subscription).value_or(S::None);
  return s == S::Both || s == S::From;
}
std::vector<Jid> RosterContacts::subscriptions(const Jid& user) const { return with(user, false); }

}  // namespace jabberadmin::roster
