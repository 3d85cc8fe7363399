#include "im/roster_contacts.hpp"

#include <set>

namespace jabberadmin::im {
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
  using S = roster::Subscription;
  std::set<std::string> seen;
  std::vector<Jid> out;
  auto add = [&](const std::string& jid) {
    if (!seen.insert(jid).second) return;
    if (auto parsed = split_bare(jid)) out.push_back(std::move(*parsed));
  };
  for (const auto& s : roster_.shared().items(user)) add(s.jid);
  for (const auto& p : roster_.personal().items(user.bare())) {
    const S s = roster::subscription_from(p.subscription).value_or(S::None);
    if (s == S::Both || s == (from ? S::From : S::To)) add(p.jid);
  }
  return out;
}

std::vector<Jid> RosterContacts::subscribers(const Jid& user) const { return with(user, true); }

bool RosterContacts::is_subscriber(const Jid& user, const Jid& contact) const {
  using S = roster::Subscription;
  const std::string bare = contact.bare();
  if (roster_.shared().item(user, bare)) return true;  // a group-mate: both ways
  const auto personal = roster_.personal().item(user.bare(), bare);
  if (!personal) return false;
  const S s = roster::subscription_from(personal->subscription).value_or(S::None);
  return s == S::Both || s == S::From;
}
std::vector<Jid> RosterContacts::subscriptions(const Jid& user) const { return with(user, false); }

}  // namespace jabberadmin::im
