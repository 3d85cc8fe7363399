#include "roster/roster_bytes.hpp"

#include "roster/roster_pushes.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::roster {
namespace {
using ns::kRoster;
}

const std::vector<std::string>& RosterBytes::shared_bytes(const std::vector<SharedItem>& group_items) {
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
  static const std::vector<SharedItem> kNone;
  const auto* group = roster_.shared().group_items(user);
  const auto& shared_bytes = this->shared_bytes(group ? *group : kNone);
  std::string out;
  roster_.visit(
      user, [&](std::size_t i) { out += shared_bytes[i]; },
      [&](const PersonalItem& p) { xml::serialize_to(out, roster_item_element(roster::from_personal(p)), kRoster); });
  return out;
}

}  // namespace jabberadmin::roster
