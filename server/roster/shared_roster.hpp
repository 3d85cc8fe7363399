// The shared roster: members of one directory group (departmentNumber) see each other with
// subscription "both", filed under the group's name, named by their cn.
//
// Every served host is a view of the same directory, as with ejabberd's shared roster: an
// account logged in as name@host sees its group-mates as mate@host, on that same host, so
// every roster item names exactly the address presence comes from and messages go to,
// whichever host (`cl-setup --hosts`) the users chose. Locked accounts are in nobody's
// shared roster and see none.
//
// Everything is read from the live directory cache (never LDAP). Changes are compared as
// batches (diff): the state before a batch is the cache now with the changed users as they
// were, so a group rename that touches every member arrives as one push per item, not as a
// removal and a re-add.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jabberadmin/jid.hpp"
#include "directory/directory_cache.hpp"

namespace jabberadmin::roster {

struct SharedItem {
  std::string jid;    // the contact's bare JID on the viewer's host
  std::string name;   // cn, or the user name when cn is empty
  std::string group;  // the directory group
  friend bool operator==(const SharedItem&, const SharedItem&) = default;
};

// What a batch of directory changes means for online users.
struct SharedDelta {
  // viewer's bare JID -> contact's bare JID -> the shared item now (nothing: it left)
  std::map<std::string, std::map<std::string, std::optional<SharedItem>>> pushes;
  // (viewer, contact) pairs that now share presence through a group, and that no longer do
  std::vector<std::pair<std::string, std::string>> gained, lost;
  std::vector<std::string> ended;    // names whose accounts were locked or deleted
  std::vector<std::string> avatars;  // names (active accounts) whose jpegPhoto changed
};

// Users as they were before a batch, by name; nothing = the user did not exist.
using Before = std::map<std::string, std::optional<User>, std::less<>>;

class SharedRoster {
 public:
  // hosts: the served domains, normalised.
  SharedRoster(const directory::DirectoryCache& directory, std::vector<std::string> hosts)
      : directory_(directory), hosts_(std::move(hosts)) {}

  // The active directory user whose shared-roster JID is this bare JID, or nullptr.
  const User* member(const Jid& bare) const;
  // The user's shared items, sorted by JID; empty when bare is not a member.
  std::vector<SharedItem> items(const Jid& bare) const;
  // Every active member of bare's group as seen from bare's host, sorted by JID, bare's own
  // item among them (items() leaves it out); nullptr when bare is not a member. Computed
  // once per group and host, not once per login; valid until the directory changes.
  const std::vector<SharedItem>* group_items(const Jid& bare) const;
  // Changes whenever group_items() computes anew: what is derived from them can be kept
  // while it stays the same.
  std::uint64_t views_version() const {
    check_memo();
    return views_version_;
  }
  std::optional<SharedItem> item(const Jid& bare, std::string_view contact) const;
  std::optional<SharedItem> item(const Jid& bare, const Jid& contact) const;  // contact parsed already
  // Whether contact (a bare JID held normalised) is in bare's shared roster: item() without
  // parsing or building anything, for probe answers (a login probes every group-mate).
  bool shares(const Jid& bare, const Jid& contact) const;
  // An opaque digest of items(bare) (hex), for the roster version.
  std::string digest(const Jid& bare) const;
  // The SHA-1 (hex) of the user's jpegPhoto, "" without one; nothing when the bare JID's
  // localpart is no directory user (any host: the avatar belongs to the account).
  std::optional<std::string> avatar_hash(const Jid& bare) const;
  // The user changed: forget what was memoised about it (its avatar hash, every group view).
  void forget(std::string_view name);

  // Compares the world before the batch with the directory now.
  SharedDelta diff(const Before& before) const;

 private:
  using View = std::map<std::string, std::map<std::string, SharedItem>>;  // viewer -> contact -> item
  void add_group(View& view, const std::vector<const User*>& members) const;
  bool served(std::string_view domain) const;
  // Drops the group views and digests when the directory changed since they were computed.
  void check_memo() const;

  const directory::DirectoryCache& directory_;
  std::vector<std::string> hosts_;
  mutable std::map<std::string, std::string, std::less<>> avatar_hashes_;  // name -> hex
  mutable std::uint64_t memo_generation_ = 0;
  mutable std::uint64_t views_version_ = 0;
  mutable std::map<std::string, std::vector<SharedItem>, std::less<>> group_items_;  // "host/group" ->
  mutable std::map<std::string, std::string, std::less<>> digests_;                  // bare -> digest
};

}  // namespace jabberadmin::roster
