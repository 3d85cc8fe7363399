#include "jabberadmin/schema.hpp"

#include <strings.h>

#include <algorithm>
#include <charconv>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/password.hpp"
#include "jabberadmin/scram.hpp"

namespace jabberadmin::schema {

std::string Layout::services_dn() const { return ldap::child_dn("ou", "Services", base_dn_); }
std::string Layout::jabber_dn() const { return ldap::child_dn("ou", "Jabber", services_dn()); }
std::string Layout::users_dn() const { return ldap::child_dn("ou", "Users", jabber_dn()); }
std::string Layout::groups_dn() const { return ldap::child_dn("ou", "Groups", jabber_dn()); }
std::string Layout::user_dn(std::string_view name) const { return ldap::child_dn(kUid, name, users_dn()); }
std::string Layout::group_dn(std::string_view name) const { return ldap::child_dn(kGroupName, name, groups_dn()); }

std::string user_filter() { return std::string("(objectClass=") + kUserClass + ")"; }
std::string group_filter() { return std::string("(objectClass=") + kGroupClass + ")"; }

const std::vector<std::string>& user_attributes() {
  static const std::vector<std::string> attributes{kUid, kNickname, kMail, kGroup, kPassword, kExpire, kPhoto, kUuid, kScramVerifier};
  return attributes;
}

User user_from_entry(const ldap::Entry& entry, std::string_view primary_host, std::int64_t today) {
  User u;
  u.dn = entry.dn;
  u.name = entry.first(kUid).value_or("");
  u.nickname = entry.first(kNickname).value_or(u.name);
  u.jid = entry.first(kMail).value_or(u.name + "@" + std::string(primary_host));
  u.group = entry.first(kGroup);
  const auto stored = entry.first(kPassword);
  u.has_password = stored.has_value();
  if (stored) u.password_stamp = encoding::sha256(*stored);
  const auto expire = entry.first(kExpire);
  u.locked = (stored && password::is_locked(*stored)) || expire == kLockedExpire;
  std::int64_t day = 0;
  if (expire && expire != kLockedExpire &&
      std::from_chars(expire->data(), expire->data() + expire->size(), day).ec == std::errc() &&
      day >= kFirstExpiryDay)
    u.expires = day;
  u.expired = u.expired_on(today);
  u.photo = entry.first(kPhoto).value_or("");
  u.uuid = entry.first(kUuid).value_or("");
  // Values that are not well-formed SCRAM verifiers (another scheme, damaged) are skipped:
  // the account then logs in as if it had none of that hash.
  if (const auto found = entry.attributes.find(kScramVerifier); found != entry.attributes.end())
    for (const auto& value : found->second)
      if (auto verifier = scram::parse_auth_password(value)) u.verifiers.push_back(std::move(*verifier));
  return u;
}

ldap::Attributes new_user(const std::string& name, const std::string& nickname, const std::string& jid,
                          const std::optional<password::Stored>& password, const std::optional<std::string>& group,
                          const std::string& photo) {
  ldap::Attributes attributes{
      {kObjectClass, {kUserClass, "shadowAccount"}},
      {kUid, {name}},
      {kNickname, {nickname}},
      {"sn", {name}},
  };
  if (std::all_of(jid.begin(), jid.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    attributes[kMail] = {jid};
  if (password) {
    attributes[kPassword] = {password->hash};
    if (!password->verifiers.empty()) {
      attributes[kObjectClass].push_back(kScramClass);
      attributes[kScramVerifier] = password->verifiers;
    }
  }
  if (group) attributes[kGroup] = {*group};
  if (!photo.empty()) attributes[kPhoto] = {photo};
  return attributes;
}

bool has_scram_class(const ldap::Entry& entry) {
  const auto found = entry.attributes.find(kObjectClass);
  if (found == entry.attributes.end()) return false;
  // Object class names match regardless of case (RFC 4512 §2.4).
  return std::any_of(found->second.begin(), found->second.end(),
                     [](const std::string& name) { return ::strcasecmp(name.c_str(), kScramClass) == 0; });
}

ldap::Attributes new_group(const std::string& name) { return {{kObjectClass, {kGroupClass}}, {kGroupName, {name}}}; }

void apply_modifications(ldap::Entry& entry, const std::vector<ldap::Modification>& modifications) {
  using Op = ldap::Modification::Op;
  for (const auto& m : modifications) {
    auto& values = entry.attributes[m.attribute];
    if (m.op == Op::Replace) values = m.values;
    if (m.op == Op::Add) values.insert(values.end(), m.values.begin(), m.values.end());
    if (m.op == Op::Delete) {
      if (m.values.empty()) values.clear();
      for (const auto& v : m.values) std::erase(values, v);
    }
    if (values.empty()) entry.attributes.erase(m.attribute);
  }
}

}  // namespace jabberadmin::schema
