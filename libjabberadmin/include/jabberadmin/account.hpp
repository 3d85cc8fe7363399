// The value types the tools and the server share: a Jabber user and a group.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace jabberadmin {

struct User {
  std::string name;                  // JID localpart, normalised (LDAP uid)
  std::string nickname;              // cn, UTF-8
  std::string jid;                   // bare JID on the primary host (LDAP mail)
  std::optional<std::string> group;  // departmentNumber; none = no group
  bool locked = false;
  bool has_password = false;
  std::string photo;                 // jpegPhoto bytes; empty = no avatar
  std::string dn;
  friend bool operator==(const User&, const User&) = default;
};

struct Group {
  std::string name;                  // free UTF-8 text, unique regardless of case
  std::vector<std::string> members;  // user names, sorted
  std::string dn;
};

}  // namespace jabberadmin
