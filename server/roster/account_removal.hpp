// A deleted account leaves nothing behind (the server's half of cl-userdel): its streams
// end, everything it had in the roster's tables goes (AccountPurge), and every other
// user's item for it goes too, with a roster push to their resources; then the other
// modules remove what they keep for it (module::AccountData: the offline messages).
//
// Deletions are seen live, as the directory cache reports them (RFC 4533 sync), and, for
// those made while the server was down, at the cache's first complete refresh: every
// account the database names on a served host that the directory no longer has. Nothing
// is swept from an empty directory: that looks more like a directory we cannot read than
// like every account deleted at once. An account re-created under the same name while the
// server was down is told apart by its directory entry's entryUUID, and purged as well.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "roster/roster_directory.hpp"
#include "roster/roster_pushes.hpp"
#include "module/account_data.hpp"
#include "roster/roster.hpp"
#include "router/router.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::roster {

class AccountRemoval {
 public:
  // others: the other modules' per-account data (nullptr: none).
  AccountRemoval(router::Router& router, Roster& roster, RosterPushes& pushes, RosterDirectory& live,
                 const module::AccountData* others);

  // The directory no longer has the account (a normalised name, on every host).
  void deleted(const std::string& name);
  // After the first complete refresh: the accounts deleted while the server was down.
  void sweep();
  // An account deleted and re-created under its name is a new directory entry (entryUUID):
  // what the old one left goes as a deleted account's does. At the first complete refresh
  // with every user (the database learns each one's entry), then live with a new user or
  // one whose entry changed.
  void check_entries(const std::vector<const User*>& users);

 private:
  router::Router& router_;
  Roster& roster_;
  RosterPushes& pushes_;
  RosterDirectory& live_;
  const module::AccountData* others_;
};

}  // namespace jabberadmin::roster
