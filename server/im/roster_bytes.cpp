#include "im/roster_bytes.hpp"

#include <algorithm>

#include "im/roster_pushes.hpp"

namespace jabberadmin::im {
namespace {
constexpr std::string_view kRoster = "jabber:iq:roster";
}

const std::vector<std::string>& RosterBytes::shared_bytes(const std::vector<roster::SharedItem>& group_items) {
  // The views are kept in place until the directory changes; then every pointer may be stale.
  if (const auto version = roster_.shared().views_version(); version != views_version_) {
    shared_.clear();
    views_version_ = version;
  }
  auto [it, added] = shared_.try_emplace(&group_items);
  if (added) {
    it->second.reserve(group_items.size());
    for (const auto& item : group_items)
      it->second.push_back(xml::serialize(roster_item_element(roster::from_shared(item)), kRoster));
  }
  return it->second;
}

std::string RosterBytes::items(const Jid& user) {
  const auto* group = roster_.shared().group_items(user);
  static const std::vector<roster::SharedItem> kNone;
  const auto& shared = group ? *group : kNone;
  const auto& shared_bytes = this->shared_bytes(shared);
  const std::string self = user.bare();  // a member's own item is in the group view, not its roster
  const auto covered = [&](const std::string& jid) {
    const auto it = std::lower_bound(shared.begin(), shared.end(), jid,
                                     [](const roster::SharedItem& i, const std::string& j) { return i.jid < j; });
    return jid != self && it != shared.end() && it->jid == jid;
  };
  // The personal items a shared one does not cover, in JID order as the shared ones are.
  std::vector<roster::Item> personal;
  for (const auto& p : roster_.personal().items(self))
    if (!covered(p.jid)) personal.push_back(roster::from_personal(p));
  std::sort(personal.begin(), personal.end(), [](const auto& a, const auto& b) { return a.jid < b.jid; });

  std::size_t size = 0;
  for (const auto& b : shared_bytes) size += b.size();
  std::string out;
  out.reserve(size + personal.size() * 128);
  auto next = personal.begin();
  auto write_personal_before = [&](const std::string* jid) {
    for (; next != personal.end() && (jid == nullptr || next->jid < *jid); ++next)
      xml::serialize_to(out, roster_item_element(*next), kRoster);
  };
  for (std::size_t i = 0; i < shared.size(); ++i) {
    if (shared[i].jid == self) continue;
    write_personal_before(&shared[i].jid);
    out += shared_bytes[i];
  }
  write_personal_before(nullptr);
  return out;
}

}  // namespace jabberadmin::im
