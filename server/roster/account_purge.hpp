// What a deleted account leaves in the server's database, removed in one transaction: its
// personal roster, the subscription requests waiting for it, its offline messages, the
// rows of every table a component declared as per account (store::Database::account_table:
// private storage, last activity), and every other user's roster item for it and request
// from it.
//
// An account is its name on every served host (each host is a view of the same directory
// entry), so the caller passes all its bare JIDs at once. The account's roster version row
// stays and is bumped, as are the versions of the rosters that lose an item: a client that
// kept a roster under an old version must never hear "unchanged" from a new account that
// happens to have the old name.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::roster {

class AccountPurge {
 public:
  // Brings the roster's tables up to date; the offline component's table must exist too.
  explicit AccountPurge(store::Database& db);

  struct Removed {
    // (owner, contact) of every other user's personal item that went: each needs a push.
    std::vector<std::pair<std::string, std::string>> items;
    std::size_t rows = 0;  // everything deleted, for the log
  };
  Removed purge(const std::vector<std::string>& bare_jids);

  // Every bare JID the database names, as an owner or as a contact.
  std::set<std::string> known_jids();

  // The directory entry (entryUUID) each account's data belongs to, by account name.
  std::optional<std::string> entry_uuid(const std::string& name);
  void remember_entry_uuids(const std::vector<std::pair<std::string, std::string>>& name_uuid);
  void forget_entry_uuid(const std::string& name);

 private:
  store::Database& db_;
};

}  // namespace jabberadmin::roster
