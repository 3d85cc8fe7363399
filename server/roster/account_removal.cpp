#include "roster/account_removal.hpp"

#include <exception>
#include <set>

#include "util/log.hpp"

namespace jabberadmin::roster {

AccountRemoval::AccountRemoval(router::Router& router, Roster& roster, RosterPushes& pushes,
                               RosterDirectory& live)
    : router_(router), roster_(roster), pushes_(pushes), live_(live) {}

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
  if (removed.rows > 0)
    log::info("accounts: " + name + " was deleted: " + std::to_string(removed.rows) +
              " roster items, requests and offline messages removed");
  for (const auto& [owner, contact] : removed.items) {
    const auto at = owner.find('@');
    pushes_.push(Jid{owner.substr(0, at), owner.substr(at + 1), {}}, contact);
  }
}

void AccountRemoval::sweep() {
  const auto& directory = roster_.directory();
  if (directory.size() == 0) {
    log::warning("accounts: the directory lists no users; nothing is removed from the database");
    return;
  }
  std::set<std::string> names;
  try {
    for (const auto& bare : roster_.accounts().known_jids()) {
      const auto at = bare.find('@');
      if (at == std::string::npos || at == 0 || !router_.serves(bare.substr(at + 1))) continue;
      std::string name = bare.substr(0, at);
      if (directory.find(name) == nullptr) names.insert(std::move(name));
    }
  } catch (const std::exception& e) {
    log::error(std::string("accounts: cannot read the database: ") + e.what());
    return;
  }
  for (const auto& name : names) deleted(name);
}

}  // namespace jabberadmin::roster
