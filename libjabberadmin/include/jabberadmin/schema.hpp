// Where each field of a Jabber User and Group lives in LDAP: the DN layout of the Jabber
// subtree, the object classes and attribute names, and the translation between entries and
// Users. The ONLY place that spells them; it knows nothing of connections (directory.hpp
// does the operations, directory_connection.hpp the set-up).
//
//   <base>
//   └─ ou=Services
//      └─ ou=Jabber
//         ├─ ou=Users   uid=<name>: inetOrgPerson + shadowAccount (cn nickname, sn, mail bare
//         │             JID, userPassword, departmentNumber = its one group, jpegPhoto,
//         │             shadowExpire = 1 when locked, else its expiry day)
//         └─ ou=Groups  cn=<name>: organizationalRole (may have no members)
//
// Membership lives in one place only, the user's departmentNumber, so every change of
// membership is a single-entry, value-level LDAP modify: concurrent changes never lose
// each other, and a user can never be in two groups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/password.hpp"

namespace jabberadmin::schema {

inline constexpr const char* kObjectClass = "objectClass";
inline constexpr const char* kUserClass = "inetOrgPerson";
inline constexpr const char* kGroupClass = "organizationalRole";
inline constexpr const char* kUid = "uid";                // the JID localpart
inline constexpr const char* kNickname = "cn";
inline constexpr const char* kGroupName = "cn";           // of a group entry
inline constexpr const char* kMail = "mail";              // the bare JID, when ASCII
inline constexpr const char* kPassword = "userPassword";
inline constexpr const char* kGroup = "departmentNumber"; // the user's one group, by name
inline constexpr const char* kPhoto = "jpegPhoto";
// RFC 3112's authPassword holding RFC 5803 SCRAM verifiers, one value per hash: what the
// server checks a SCRAM login against (never the password). Readable by the server only.
inline constexpr const char* kScramVerifier = "authPassword";
// Its auxiliary class (RFC 3112), added to an entry when it gets its first verifier.
inline constexpr const char* kScramClass = "authPasswordObject";
// shadowExpire (nis schema) in days since 1970. 1 is the lock: a day in 1970, so it makes
// the lock visible to readers that may not read password hashes (the server, ejabberd).
// Any later day is an expiry date; 0 and negative values mean none (shadow-utils' -1).
inline constexpr const char* kExpire = "shadowExpire";
inline constexpr const char* kLockedExpire = "1";
inline constexpr std::int64_t kFirstExpiryDay = 2;
// Operational (RFC 4530): slapd returns it only when asked for by name.
inline constexpr const char* kUuid = "entryUUID";

// The DNs of the Jabber subtree under a base DN; values escaped through ldap::child_dn.
class Layout {
 public:
  explicit Layout(std::string base_dn) : base_dn_(std::move(base_dn)) {}
  const std::string& base_dn() const noexcept { return base_dn_; }
  std::string services_dn() const;
  std::string jabber_dn() const;
  std::string users_dn() const;
  std::string groups_dn() const;
  std::string user_dn(std::string_view normalised_name) const;
  std::string group_dn(std::string_view name) const;

 private:
  std::string base_dn_;
};

// The filters that select every user entry and every group entry.
std::string user_filter();
std::string group_filter();
// The attributes a whole User is made from (entryUUID included).
const std::vector<std::string>& user_attributes();

// A User from an entry read with user_attributes() (any missing attribute is simply
// absent); the JID falls back to name@primary_host; expired is judged against today.
User user_from_entry(const ldap::Entry& entry, std::string_view primary_host, std::int64_t today = day_number());

// The attributes of a new user entry. mail is IA5 (ASCII) in the schema: a JID that is not
// gets none, and readers fall back to name@primary host as user_from_entry does. SCRAM
// verifiers, when the password has any, come with their class.
ldap::Attributes new_user(const std::string& name, const std::string& nickname, const std::string& jid,
                          const std::optional<password::Stored>& password, const std::optional<std::string>& group,
                          const std::string& photo);
// True when the entry's object classes (read as kObjectClass) include kScramClass.
bool has_scram_class(const ldap::Entry& entry);
ldap::Attributes new_group(const std::string& name);

// An entry as it is after modifications that slapd accepted (for answering without a read).
void apply_modifications(ldap::Entry& entry, const std::vector<ldap::Modification>& modifications);

}  // namespace jabberadmin::schema
