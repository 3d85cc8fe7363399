// The operations on the Jabber subtree: users, groups, lock, expiry and avatars, over one
// connection. Where each field lives in LDAP is schema.hpp's business; how to connect is
// directory_connection.hpp's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/password.hpp"
#include "jabberadmin/schema.hpp"
#include "jabberadmin/scram.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin {

// Said once by a tool that stored a password in a directory without authPassword.
inline constexpr const char* kNoScramNotice =
    "the directory's schema has no authPassword (RFC 3112), so passwords are stored without SCRAM "
    "verifiers and log in by PLAIN only; cl-setup(8) tells how to add it";

struct NewUser {
  std::string name;                       // normalised here; invalid -> Error(InvalidArgument)
  std::optional<std::string> nickname;    // default: the name
  std::optional<std::string> password;    // clear; stored here (password::store). none = cannot log in yet
  std::optional<password::Stored> stored_password;  // or already stored, for bulk imports
  std::optional<std::string> group;       // must exist
  std::string photo;                      // JPEG bytes (see avatar.hpp), empty = none
};

// Any set of changes to one user, made by update_user in one LDAP modify. Unset = unchanged.
struct UserUpdate {
  enum class Lock { Keep, Lock, Unlock };
  std::optional<std::string> nickname;
  std::optional<std::string> photo;       // JPEG bytes; empty = remove the avatar
  std::optional<std::string> group;       // must exist: the user moves into it
  // Clear; stored here (password::store): hash and SCRAM verifiers replace the old ones
  // together. A locked account stays locked.
  std::optional<std::string> password;
  // Lock: the marker in the hash and in each SCRAM verifier, and shadowExpire 1, which takes
  // the place of an expiry date. Unlock: takes the lock's value away only, never an expiry date.
  Lock lock = Lock::Keep;
  std::optional<std::optional<std::int64_t>> expires;  // set: the new expiry day, or none
};

// What add_members did for each user.
struct MembershipChange {
  std::string user;
  std::optional<std::string> previous_group;  // set when the user was moved from another group
};

class Directory {
 public:
  Directory(ldap::Connection connection, std::string base_dn, std::string primary_host,
            unsigned scram_iterations = scram::kDefaultIterations);
  // Connects as the settings say (directory_connection.hpp).
  static Directory open(const Settings& settings);

  // The iteration count new SCRAM verifiers get, or nothing when the directory's schema has
  // no authPassword (an adopted directory not given templates/authpassword.ldif): then
  // passwords are stored as a hash only, and those accounts log in by PLAIN. The schema is
  // read once, at the first password stored.
  std::optional<unsigned> scram_iterations() const;

  // Creates ou=Services, ou=Jabber, ou=Users and ou=Groups where missing (the base must
  // exist). Returns the DNs it created.
  std::vector<std::string> ensure_tree();
  bool tree_exists() const;

  // Users. Names are normalised (RFC 7622 nodeprep) before any lookup.
  User add_user(const NewUser& user);                      // one LDAP add: all or nothing
  // Many users over this connection, the adds pipelined, each still all or nothing; each
  // group named is looked up once. One result per user, in order: the error, or nothing.
  std::vector<std::optional<Error>> add_users(const std::vector<NewUser>& users);
  // What add_users would answer, writing nothing (cl-useradd --from --dry-run): the same
  // checks, and "already exists" for a user already in the directory.
  std::vector<std::optional<Error>> check_new_users(const std::vector<NewUser>& users) const;
  std::optional<User> find_user(std::string_view name) const;
  User user(std::string_view name) const;                  // Error(NotFound) when missing
  std::vector<User> users() const;                         // sorted by name
  std::vector<User> members(std::string_view group) const; // sorted by name
  void remove_user(std::string_view name);
  // One read (no avatar) and ONE modify, whatever the update holds; every value is checked
  // before anything is written. Returns the user as it is now, without reading it back
  // (its photo only when the update set one).
  User update_user(std::string_view name, const UserUpdate& update);
  // After a bind proved clear to be the password of user name (cl-jabberd's
  // scram_upgrade_on_plain): SCRAM verifiers for an account with no authPassword value at
  // all, as accounts made before SCRAM are, with authPasswordObject where missing. Values
  // are only added, which the server's service identity may do (templates/slapd.conf.in),
  // and the modify asserts (RFC 4528) that the entry still has no verifier and no lock, so
  // a cl-passwd or cl-usermod -L in between wins. True when written; false when the schema
  // has no authPassword, the account has a value already, or the assertion failed.
  bool add_first_verifiers(std::string_view name, std::string_view clear);

  // Groups. Names are free UTF-8 text; unique regardless of case.
  Group add_group(std::string_view name);
  std::optional<Group> find_group(std::string_view name) const;
  Group group(std::string_view name) const;                // Error(NotFound) when missing
  // The group's name as stored (slapd matches it regardless of case): one read of the
  // group entry, no member read. Error(NotFound) when missing.
  std::string group_name(std::string_view name) const;
  std::vector<Group> groups() const;                       // with members, sorted by name
  void remove_group(std::string_view name);                // members stay, without a group
  void rename_group(std::string_view old_name, std::string_view new_name);  // members follow
  // Each reads only the users' names and groups, then one modify per user.
  std::vector<MembershipChange> add_members(std::string_view group, const std::vector<std::string>& names);
  void remove_members(std::string_view group, const std::vector<std::string>& names);

  // Builds a User from an entry read with schema::user_attributes().
  User user_from_entry(const ldap::Entry& entry, std::int64_t today = day_number()) const {
    return schema::user_from_entry(entry, primary_host_, today);
  }
  const schema::Layout& layout() const noexcept { return layout_; }
  std::string user_dn(std::string_view normalised_name) const { return layout_.user_dn(normalised_name); }
  std::string users_dn() const { return layout_.users_dn(); }
  std::string groups_dn() const { return layout_.groups_dn(); }

  ldap::Connection& connection() noexcept { return connection_; }
  const std::string& primary_host() const noexcept { return primary_host_; }

 private:
  // The entry for a new user; group is its canonical name (or none). Validates the rest.
  ldap::Connection::NewEntry new_user_entry(const NewUser& request, const std::optional<std::string>& group) const;
  static Error add_error(const ldap::LdapError& e, const std::string& dn);
  // The entries for new users, each group looked up once; a user that cannot become an
  // entry gets its error in results instead. index_of[k] is the user of entries[k].
  void new_user_entries(const std::vector<NewUser>& users, std::vector<std::optional<Error>>& results,
                        std::vector<ldap::Connection::NewEntry>& entries, std::vector<std::size_t>& index_of) const;
  // Names and groups of users, read with nothing else; NotFound for the first one missing.
  std::vector<ldap::Entry> memberships(const std::vector<std::string>& names) const;
  std::vector<std::string> member_names(std::string_view group) const;  // sorted
  static std::string check_group_name(std::string_view name);

  // A new password as it is written: hash, and verifiers where the schema allows them.
  password::Stored store_password(std::string_view clear) const;

  ldap::Connection connection_;
  schema::Layout layout_;
  std::string primary_host_;
  unsigned scram_iterations_;
  mutable std::optional<bool> schema_has_scram_;  // read at the first need
};

}  // namespace jabberadmin
