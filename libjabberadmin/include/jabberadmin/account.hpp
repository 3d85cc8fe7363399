// The value types the tools and the server share: a Jabber user and a group.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/scram.hpp"

namespace jabberadmin {

// Days since 1970-01-01 in UTC: the unit of shadowExpire (shadow(5)).
std::int64_t day_number(std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
// "YYYY-MM-DD" <-> day number; nothing for a date that does not exist or is before 1970.
std::optional<std::int64_t> parse_date(std::string_view text);
std::string format_date(std::int64_t day);

struct User {
  std::string name;                  // JID localpart, normalised (LDAP uid)
  std::string nickname;              // cn, UTF-8
  std::string jid;                   // bare JID on the primary host (LDAP mail)
  std::optional<std::string> group;  // departmentNumber; none = no group
  bool locked = false;               // cl-usermod -L: the lock marker, or shadowExpire 1
  // An expiry date (shadowExpire other than the lock's 1): the first day the account may not
  // log in, and whether that day had come when this User was read.
  std::optional<std::int64_t> expires;
  bool expired = false;
  bool has_password = false;
  // SHA-256 of the stored userPassword value (empty without one): tells the server that the
  // password changed (FAST tokens die with it) without it keeping the stored hash itself.
  std::string password_stamp;
  std::string photo;                 // jpegPhoto bytes; empty = no avatar
  std::string dn;
  // entryUUID (RFC 4530): tells an account from one deleted and re-created under its name.
  // Empty when the directory does not give it.
  std::string uuid;
  // SCRAM verifiers (authPassword, RFC 5803), at most one per hash. Empty: the account logs
  // in by PLAIN only (checked by a bind), as accounts made before SCRAM or adopted ones do.
  std::vector<scram::Verifier> verifiers;

  // As shadow(5) and pam_unix count: expired on the expiry day itself.
  bool expired_on(std::int64_t day) const noexcept { return expires && day >= *expires; }
  // May not log in: locked or expired. The server treats both alike (refused at login,
  // out of the shared roster, messages to it refused).
  bool disabled() const noexcept { return locked || expired; }
  friend bool operator==(const User&, const User&) = default;
};

struct Group {
  std::string name;                  // free UTF-8 text, unique regardless of case
  std::vector<std::string> members;  // user names, sorted
  std::string dn;
};

}  // namespace jabberadmin
