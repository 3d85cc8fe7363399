#include "roster/account_removal.hpp"

#include <exception>
#include <optional>
#include <set>

#include "util/log.hpp"

namespace jabberadmin::roster {

AccountRemoval::AccountRemoval(router::Router& router, Roster& roster, RosterPushes& pushes,
                               RosterDirectory& live, const module::AccountData* others)
    : router_(router), roster_(roster), pushes_(pushes), live_(live), others_(others) {}

void AccountRemoval::deleted(const std::string& name) {
  // Its streams first: their unavailable presence still reaches its contacts.
  live_.end_sessions(name, "account deleted");
  std::vector<std::string> jids;
  for (const auto& host : router_.hosts()) jids.push_back(Jid{name, host, {}}.bare());
  AccountPurge::Removed removed;
  try {
    removed = roster_.purge(jids);
  } catch (const std::exception& e) {
    log::error("accounts: cannot remove what the deleted account " + name + " left: " + e.what());
    return;
  }
  // The other modules' data (each logs its own failure).
  const std::size_t others = others_ ? others_->removed(jids) : 0;
  try {
    roster_.accounts().forget_entry_uuid(name);
  } catch (const std::exception& e) {
    log::error("accounts: cannot forget the entry of the deleted account " + name + ": " + e.what());
  }
  if (removed.rows + others > 0)
    log::info("accounts: " + name + " was deleted: " + std::to_string(removed.rows + others) +
              " roster items, requests and offline messages removed");
  for (const auto& [owner, contact] : removed.items) pushes_.push(Jid::split_normalized(owner), contact);
}

void AccountRemoval::sweep() {
  const auto& directory = roster_.directory();
  if (directory.size() == 0) {
    log::warning("accounts: the directory lists no users; nothing is removed from the database");
    return;
  }
  std::set<std::string> names;
  try {
    std::set<std::string> known = roster_.accounts().known_jids();
    if (others_) known.merge(others_->known());
    for (const auto& bare : known) {
      Jid jid = Jid::split_normalized(bare);
      if (jid.local.empty() || !router_.serves(jid.domain)) continue;
      if (directory.find(jid.local) == nullptr) names.insert(std::move(jid.local));
    }
  } catch (const std::exception& e) {
    log::error(std::string("accounts: cannot read the database: ") + e.what());
    return;
  }
  for (const auto& name : names) deleted(name);
}

void AccountRemoval::check_entries(const std::vector<const User*>& users) {
  std::vector<std::pair<std::string, std::string>> learnt;
  try {
    for (const User* user : users) {
      if (user->uuid.empty()) continue;  // a directory that does not give entryUUID
      const std::optional<std::string> was = roster_.accounts().entry_uuid(user->name);
      if (was == user->uuid) continue;
      if (was) {
        log::info("accounts: " + user->name + " is a new directory entry under an old name");
        deleted(user->name);
      }
      learnt.emplace_back(user->name, user->uuid);
    }
    roster_.accounts().remember_entry_uuids(learnt);
  } catch (const std::exception& e) {
    log::error(std::string("accounts: cannot check the accounts' directory entries: ") + e.what());
  }
}

}  // namespace jabberadmin::roster
