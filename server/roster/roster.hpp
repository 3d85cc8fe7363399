// A user's roster as the client sees it: the shared items from the directory group and
// the personal items from the store, merged (a contact in both shows as the shared item;
// the personal one reappears when the group no longer covers it), with one version.
//
// The version (XEP-0237) is "<personal store version>-<digest of the shared items>": it
// changes when either part does and is the same whenever both are, so a client that has it
// needs nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/jid.hpp"
#include "roster/account_purge.hpp"
#include "roster/pending_store.hpp"
#include "roster/shared_roster.hpp"
#include "roster/subscription.hpp"
#include "roster/personal_store.hpp"

namespace jabberadmin::roster {

struct Item {
  std::string jid;
  std::string name;
  std::vector<std::string> groups;
  Subscription subscription = Subscription::None;
  bool ask = false;
  std::optional<std::string> shared_group;  // set: the item comes from this directory group
  friend bool operator==(const Item&, const Item&) = default;
};

class Roster {
 public:
  // hosts: the served domains, each a view of the same directory groups.
  Roster(store::Database& db, const directory::DirectoryCache& directory, std::vector<std::string> hosts);

  std::vector<Item> items(const Jid& user);  // sorted by jid
  // The same merge without copying the group's items: in JID order, each shared item as its
  // index in shared().group_items(user) (the user's own skipped), each personal item that
  // no shared one covers. A roster result writes the shared ones from kept bytes.
  void visit(const Jid& user, const std::function<void(std::size_t shared_index)>& on_shared,
             const std::function<void(const PersonalItem&)>& on_personal);
  std::optional<Item> item(const Jid& user, std::string_view contact);
  std::optional<Item> item(const Jid& user, const Jid& contact);  // a bare JID parsed already
  std::string version(const Jid& user);

  // The personal side of one pair, for the subscription state machine.
  PairState state(const Jid& user, std::string_view contact);
  // Stores the pair's new state; name and groups of an existing item are kept. A state with
  // no item and nothing pending leaves no trace.
  void set_state(const Jid& user, std::string_view contact, const PairState& state,
                 std::string_view request = {});

  PersonalStore& personal() { return personal_; }
  PendingStore& pending() { return pending_; }
  AccountPurge& accounts() { return accounts_; }
  // accounts().purge(), and the personal items kept in memory forgotten with it.
  AccountPurge::Removed purge(const std::vector<std::string>& bare_jids);
  SharedRoster& shared() { return shared_; }
  const directory::DirectoryCache& directory() const { return directory_; }
  // Whether a bare JID on one of our hosts names an account (any host: name is the account).
  bool account_exists(const Jid& bare) const { return !bare.local.empty() && directory_.find(bare.local); }

 private:
  const directory::DirectoryCache& directory_;
  PersonalStore personal_;
  PendingStore pending_;
  AccountPurge accounts_;
  SharedRoster shared_;
};

Item from_personal(const PersonalItem& item);
Item from_shared(const SharedItem& item);

}  // namespace jabberadmin::roster
