// A user's roster items serialized for a roster result. The shared part is the same bytes for
// every member of a group on a host, so it is written once per group and host and kept until
// the directory changes: a login storm of a 1,000-member group sends 1,000 rosters of 999 items.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "roster/roster.hpp"

namespace jabberadmin::roster {

class RosterBytes {
 public:
  explicit RosterBytes(Roster& roster) : roster_(roster) {}

  // What Roster::items(user) holds, each as roster_item_element() serializes it inside
  // <query xmlns='jabber:iq:roster'/>, in the same order.
  std::string items(const Jid& user);

 private:
  // Each of group_items' items serialized, in the same order.
  const std::vector<std::string>& shared_bytes(const std::vector<SharedItem>& group_items);

  Roster& roster_;
  std::uint64_t views_version_ = 0;
  std::map<const std::vector<SharedItem>*, std::vector<std::string>> shared_;  // valid for views_version_
};

}  // namespace jabberadmin::roster
