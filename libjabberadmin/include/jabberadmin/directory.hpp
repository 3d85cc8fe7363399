// The Jabber subtree of the directory: users, groups, lock state and avatars.
// The ONLY place that names LDAP attributes and object classes.
//
//   <base>
//   └─ ou=Services
//      └─ ou=Jabber
//         ├─ ou=Users   uid=<name>: inetOrgPerson (cn nickname, sn, mail bare JID,
//         │             userPassword, departmentNumber = its one group, jpegPhoto)
//         └─ ou=Groups  cn=<name>: organizationalRole (may have no members)
//
// Membership lives in one place only, the user's departmentNumber, so every change of
// membership is a single-entry, value-level LDAP modify: concurrent changes never lose
// each other, and a user can never be in two groups.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin {

struct NewUser {
  std::string name;                       // normalised here; invalid -> Error(InvalidArgument)
  std::optional<std::string> nickname;    // default: the name
  std::optional<std::string> password;    // clear; hashed here. none = cannot log in yet
  std::optional<std::string> password_hash;  // or already hashed (password::hash), for bulk imports
  std::optional<std::string> group;       // must exist
  std::string photo;                      // JPEG bytes (see avatar.hpp), empty = none
};

// What add_members did for each user.
struct MembershipChange {
  std::string user;
  std::optional<std::string> previous_group;  // set when the user was moved from another group
};

class Directory {
 public:
  Directory(ldap::Connection connection, std::string base_dn, std::string primary_host);

  // Connects as the settings say (SASL EXTERNAL over ldapi://, or a simple bind with the
  // password file). Throws Error(Directory) naming the URI when it cannot.
  static Directory open(const Settings& settings);
  static ldap::ConnectOptions connect_options(const LdapSettings& settings);
  // The settings the server connects with: its read-only service identity when they name
  // one (a simple bind with the service password file when this process can read it, else
  // SASL EXTERNAL over ldapi://, which slapd maps to the identity for the server's system
  // account); unchanged when they name none (an adopted directory's bind_dn).
  static Settings as_service(Settings settings);

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
  void set_nickname(std::string_view name, std::string_view nickname);
  void set_photo(std::string_view name, std::string_view jpeg);  // empty = remove
  void set_password(std::string_view name, std::string_view clear);  // keeps a lock
  // The lock (cl-usermod -L/-U): the marker in the hash and shadowExpire 1, which replaces
  // an expiry date. Unlocking takes the lock's value away only, never an expiry date.
  void lock(std::string_view name);
  void unlock(std::string_view name);
  // The expiry date (shadowExpire as days since 1970), or none.
  void set_expiry(std::string_view name, std::optional<std::int64_t> day);
  // Puts the user into group (moving it out of any other); returns its previous group.
  std::optional<std::string> set_group(std::string_view name, std::string_view group);
  void clear_group(std::string_view name);

  // Groups. Names are free UTF-8 text; unique regardless of case.
  Group add_group(std::string_view name);
  std::optional<Group> find_group(std::string_view name) const;
  Group group(std::string_view name) const;                // Error(NotFound) when missing
  std::vector<Group> groups() const;                       // with members, sorted by name
  void remove_group(std::string_view name);                // members stay, without a group
  void rename_group(std::string_view old_name, std::string_view new_name);  // members follow
  std::vector<MembershipChange> add_members(std::string_view group, const std::vector<std::string>& names);
  void remove_members(std::string_view group, const std::vector<std::string>& names);

  // DNs, for the server's bind check.
  std::string user_dn(std::string_view normalised_name) const;
  std::string users_dn() const;
  std::string groups_dn() const;
  // Filter that selects every Jabber user entry, and the attributes a User is made from.
  static std::string user_filter();
  static const std::vector<std::string>& user_attributes();
  // The names other servers need to read this subtree themselves (the generated
  // ejabberd.yml). Spelled exactly as here: ejabberd compares attribute names by case.
  struct Schema {
    const char* user_class;    // object class of every user entry
    const char* uid;           // the JID localpart
    const char* nickname;
    const char* group;         // the user's one group, by name
    const char* photo;         // JPEG avatar
    const char* lock;          // set to locked_value when the account is locked
    const char* locked_value;
  };
  static Schema schema();
  // users_dn() of a directory with this base, without a connection (for generated configs).
  static std::string users_dn_under(std::string_view base_dn);
  // Builds a User from an entry read with user_attributes().
  // expired is judged against today (a day number, see account.hpp).
  User user_from_entry(const ldap::Entry& entry, std::int64_t today = day_number()) const;

  ldap::Connection& connection() noexcept { return connection_; }
  const std::string& primary_host() const noexcept { return primary_host_; }

 private:
  std::string jabber_dn() const;
  std::string group_dn(std::string_view name) const;
  std::string canonical_group_name(std::string_view name) const;  // as stored, or NotFound
  // The entry for a new user; group is its canonical name (or none). Validates the rest.
  ldap::Connection::NewEntry new_user_entry(const NewUser& request, const std::optional<std::string>& group) const;
  static Error add_error(const ldap::LdapError& e, const std::string& dn);
  // The entries for new users, each group looked up once; a user that cannot become an
  // entry gets its error in results instead. index_of[k] is the user of entries[k].
  void new_user_entries(const std::vector<NewUser>& users, std::vector<std::optional<Error>>& results,
                        std::vector<ldap::Connection::NewEntry>& entries, std::vector<std::size_t>& index_of) const;
  static std::string check_group_name(std::string_view name);

  ldap::Connection connection_;
  std::string base_dn_;
  std::string primary_host_;
};

}  // namespace jabberadmin
