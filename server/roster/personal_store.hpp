// Personal rosters (RFC 6121 §2): the contacts a user manages by hand, outside the shared
// group the directory gives them, with the subscription state of each. Every change bumps
// the user's roster version (XEP-0237).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::roster {

struct PersonalItem {
  std::string jid;                   // bare JID of the contact
  std::string name;                  // the user's own label, may be empty
  std::vector<std::string> groups;   // the user's own groups
  std::string subscription = "none"; // none | to | from | both
  bool ask = false;                  // a subscription request is pending (ask='subscribe')
  friend bool operator==(const PersonalItem&, const PersonalItem&) = default;
};

class PersonalStore {
 public:
  explicit PersonalStore(store::Database& db);

  // Sorted by jid. Read once and then kept: a login asks three times (the roster result,
  // the initial presence's broadcast and its probes). A put or remove of the user's items
  // drops the copy; forget() when nothing will ask soon (its last resource went).
  std::vector<PersonalItem> items(std::string_view user);
  void forget(std::string_view user);
  void forget_all();  // the table changed beside this store (AccountPurge)
  std::optional<PersonalItem> item(std::string_view user, std::string_view jid);
  void put(std::string_view user, const PersonalItem& item);    // insert or replace
  bool remove(std::string_view user, std::string_view jid);  // false when it was not there
  // Starts at 0 and grows with every put or remove of the user's items.
  std::int64_t version(std::string_view user);

 private:
  void bump(std::string_view user);
  store::Database& db_;
  std::map<std::string, std::vector<PersonalItem>, std::less<>> kept_;  // by user
};

}  // namespace jabberadmin::roster
