#include "jabberadmin/directory.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/password.hpp"
#include "utf8.hpp"

namespace jabberadmin {
namespace {

using ldap::Modification;
using Op = ldap::Modification::Op;

// Attribute and class names: this file is the only one that spells them.
constexpr const char* kUid = "uid";
constexpr const char* kCn = "cn";
constexpr const char* kSn = "sn";
constexpr const char* kMail = "mail";
constexpr const char* kPassword = "userPassword";
constexpr const char* kGroup = "departmentNumber";
constexpr const char* kPhoto = "jpegPhoto";
// shadowExpire = 1 (a day in 1970) is the nis schema's standard "account expired": it makes
// the lock visible to readers that may not read password hashes (the server, ejabberd).
constexpr const char* kExpire = "shadowExpire";
constexpr const char* kLockedExpire = "1";
constexpr const char* kObjectClass = "objectClass";
// Operational (RFC 4530): returned only when asked for by name.
constexpr const char* kUuid = "entryUUID";
constexpr std::size_t kMaxGroupName = 256;
constexpr std::size_t kMaxNickname = 256;

bool is_code(const ldap::LdapError& e, int code) { return e.code() == code; }

// Group names and nicknames are free UTF-8 text, but never empty, control characters or
// invalid UTF-8 (they end up in rosters, config files and log lines).
std::string check_text(std::string_view text, std::string_view what, std::size_t max_bytes) {
  if (text.empty()) throw Error(ErrorKind::InvalidArgument, translatable("empty %s"), {std::string(what)});
  if (text.size() > max_bytes)
    throw Error(ErrorKind::InvalidArgument, translatable("%s too long: %s bytes, at most %s"),
                {std::string(what), std::to_string(text.size()), std::to_string(max_bytes)});
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8::sequence_length(text, i);
    if (n == 0) throw Error(ErrorKind::InvalidArgument, translatable("%s is not valid UTF-8"), {std::string(what)});
    if (c < 0x20 || c == 0x7f)
      throw Error(ErrorKind::InvalidArgument, translatable("control character in %s"), {std::string(what)});
    i += n;
  }
  if (text.front() == ' ' || text.back() == ' ')
    throw Error(ErrorKind::InvalidArgument, translatable("%s '%s' starts or ends with a space"), {std::string(what), std::string(text)});
  return std::string(text);
}

}  // namespace

Directory::Directory(ldap::Connection connection, std::string base_dn, std::string primary_host)
    : connection_(std::move(connection)), base_dn_(std::move(base_dn)), primary_host_(std::move(primary_host)) {}

ldap::ConnectOptions Directory::connect_options(const LdapSettings& settings) {
  ldap::ConnectOptions options;
  options.uri = settings.uri;
  options.bind_dn = settings.bind_dn;
  if (!settings.bind_dn.empty()) options.bind_password = read_secret_file(settings.bind_password_file);
  return options;
}

Settings Directory::as_service(Settings settings) {
  LdapSettings& ldap = settings.ldap;
  if (ldap.service_dn.empty()) return settings;
  if (!ldap.service_password_file.empty() && ::access(ldap.service_password_file.c_str(), R_OK) == 0) {
    ldap.bind_dn = ldap.service_dn;
    ldap.bind_password_file = ldap.service_password_file;
  } else if (ldap.uri.starts_with("ldapi://")) {
    ldap.bind_dn.clear();
    ldap.bind_password_file.clear();
  } else {
    throw Error(ErrorKind::Directory, "cannot read the service password file " + ldap.service_password_file.string() +
                                          " for " + ldap.service_dn);
  }
  return settings;
}

Directory Directory::open(const Settings& settings) {
  return Directory(ldap::Connection::open(connect_options(settings.ldap)), settings.ldap.base_dn,
                   settings.primary_host());
}

std::string Directory::jabber_dn() const {
  return ldap::child_dn("ou", "Jabber", ldap::child_dn("ou", "Services", base_dn_));
}
std::string Directory::users_dn() const { return ldap::child_dn("ou", "Users", jabber_dn()); }
std::string Directory::groups_dn() const { return ldap::child_dn("ou", "Groups", jabber_dn()); }
std::string Directory::user_dn(std::string_view name) const { return ldap::child_dn(kUid, name, users_dn()); }
std::string Directory::group_dn(std::string_view name) const { return ldap::child_dn(kCn, name, groups_dn()); }

std::string Directory::user_filter() { return "(objectClass=inetOrgPerson)"; }

Directory::Schema Directory::schema() {
  return {"inetOrgPerson", kUid, kCn, kGroup, kPhoto, kExpire, kLockedExpire};
}

std::string Directory::users_dn_under(std::string_view base_dn) {
  return ldap::child_dn("ou", "Users", ldap::child_dn("ou", "Jabber", ldap::child_dn("ou", "Services", base_dn)));
}

const std::vector<std::string>& Directory::user_attributes() {
  static const std::vector<std::string> attributes{kUid, kCn, kMail, kGroup, kPassword, kExpire, kPhoto, kUuid};
  return attributes;
}

bool Directory::tree_exists() const {
  return connection_.read(users_dn(), {"ou"}).has_value() && connection_.read(groups_dn(), {"ou"}).has_value();
}

std::vector<std::string> Directory::ensure_tree() {
  if (!connection_.read(base_dn_, {"objectClass"}))
    throw Error(ErrorKind::Directory, "the base DN " + base_dn_ + " does not exist on " + connection_.uri());
  std::vector<std::string> created;
  const std::string services = ldap::child_dn("ou", "Services", base_dn_);
  for (const auto& [name, dn] : std::vector<std::pair<std::string, std::string>>{
           {"Services", services}, {"Jabber", jabber_dn()}, {"Users", users_dn()}, {"Groups", groups_dn()}}) {
    if (connection_.read(dn, {"ou"})) continue;
    connection_.add(dn, {{kObjectClass, {"organizationalUnit"}}, {"ou", {name}}});
    created.push_back(dn);
  }
  return created;
}

User Directory::user_from_entry(const ldap::Entry& entry, std::int64_t today) const {
  User u;
  u.dn = entry.dn;
  u.name = entry.first(kUid).value_or("");
  u.nickname = entry.first(kCn).value_or(u.name);
  u.jid = entry.first(kMail).value_or(u.name + "@" + primary_host_);
  u.group = entry.first(kGroup);
  const auto stored = entry.first(kPassword);
  u.has_password = stored.has_value();
  const auto expire = entry.first(kExpire);
  u.locked = (stored && password::is_locked(*stored)) || expire == kLockedExpire;
  // Any other positive day is an expiry date; 0 and -1 (shadow-utils' "never") are none.
  std::int64_t day = 0;
  if (expire && expire != kLockedExpire &&
      std::from_chars(expire->data(), expire->data() + expire->size(), day).ec == std::errc() && day > 1)
    u.expires = day;
  u.expired = u.expired_on(today);
  u.photo = entry.first(kPhoto).value_or("");
  u.uuid = entry.first(kUuid).value_or("");
  return u;
}

ldap::Connection::NewEntry Directory::new_user_entry(const NewUser& request,
                                                    const std::optional<std::string>& group) const {
  const std::string name = normalize_localpart(request.name);
  const std::string nickname = check_text(request.nickname.value_or(name), "nickname", kMaxNickname);
  ldap::Attributes attributes{
      {kObjectClass, {"inetOrgPerson", "shadowAccount"}},
      {kUid, {name}},
      {kCn, {nickname}},
      {kSn, {name}},
  };
  // mail is IA5 (ASCII) in the schema: a Cyrillic JID has no mail value and readers fall
  // back to name@primary host, as user_from_entry does.
  const std::string jid = name + "@" + primary_host_;
  if (std::all_of(jid.begin(), jid.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    attributes[kMail] = {jid};
  if (request.password_hash) attributes[kPassword] = {*request.password_hash};
  else if (request.password) attributes[kPassword] = {password::hash(*request.password)};
  if (group) attributes[kGroup] = {*group};
  if (!request.photo.empty()) attributes[kPhoto] = {request.photo};
  return {user_dn(name), std::move(attributes)};
}

Error Directory::add_error(const ldap::LdapError& e, const std::string& dn) {
  if (!is_code(e, ldap::kAlreadyExists)) return e;
  std::string name = dn.substr(dn.find('=') + 1);
  name = name.substr(0, name.find(",ou=Users"));
  return Error(ErrorKind::AlreadyExists, translatable("user '%s' already exists"), {name});
}

User Directory::add_user(const NewUser& request) {
  std::optional<std::string> group;
  if (request.group) group = canonical_group_name(*request.group);
  auto entry = new_user_entry(request, group);
  try {
    connection_.add(entry.dn, entry.attributes);
  } catch (const ldap::LdapError& e) {
    throw add_error(e, entry.dn);
  }
  return user_from_entry({entry.dn, entry.attributes});  // what was written: no read back
}

void Directory::new_user_entries(const std::vector<NewUser>& users, std::vector<std::optional<Error>>& results,
                                 std::vector<ldap::Connection::NewEntry>& entries,
                                 std::vector<std::size_t>& index_of) const {
  std::map<std::string, std::optional<std::string>> groups;  // as named -> canonical, or none
  for (std::size_t i = 0; i < users.size(); ++i) {
    try {
      std::optional<std::string> group;
      if (const auto& named = users[i].group) {
        auto [it, fresh] = groups.try_emplace(*named);
        if (fresh)
          if (const auto entry = connection_.read(group_dn(check_group_name(*named)), {kCn}))
            it->second = entry->first(kCn).value_or(*named);
        if (!it->second) throw Error(ErrorKind::NotFound, translatable("no such group '%s'"), {*named});
        group = it->second;
      }
      entries.push_back(new_user_entry(users[i], group));
      index_of.push_back(i);
    } catch (const Error& e) {
      results[i] = e;
    }
  }
}

std::vector<std::optional<Error>> Directory::add_users(const std::vector<NewUser>& users) {
  std::vector<std::optional<Error>> results(users.size());
  std::vector<ldap::Connection::NewEntry> entries;
  std::vector<std::size_t> index_of;
  new_user_entries(users, results, entries, index_of);
  const auto added = connection_.add_many(entries);
  for (std::size_t k = 0; k < added.size(); ++k)
    if (added[k]) results[index_of[k]] = add_error(*added[k], entries[k].dn);
  return results;
}

std::vector<std::optional<Error>> Directory::check_new_users(const std::vector<NewUser>& users) const {
  std::vector<std::optional<Error>> results(users.size());
  std::vector<ldap::Connection::NewEntry> entries;
  std::vector<std::size_t> index_of;
  new_user_entries(users, results, entries, index_of);
  for (std::size_t k = 0; k < entries.size(); ++k)
    if (connection_.read(entries[k].dn, {kUid}))
      results[index_of[k]] = Error(ErrorKind::AlreadyExists, translatable("user '%s' already exists"),
                                   {entries[k].attributes.at(kUid).front()});
  return results;
}

std::optional<User> Directory::find_user(std::string_view name) const {
  const auto entry = connection_.read(user_dn(normalize_localpart(name)), user_attributes());
  if (!entry) return std::nullopt;
  return user_from_entry(*entry);
}

User Directory::user(std::string_view name) const {
  auto found = find_user(name);
  if (!found) throw Error(ErrorKind::NotFound, translatable("no such user '%s'"), {std::string(name)});
  return std::move(*found);
}

std::vector<User> Directory::users() const {
  std::vector<User> out;
  for (const auto& entry : connection_.search(users_dn(), ldap::Scope::OneLevel, user_filter(), user_attributes()))
    out.push_back(user_from_entry(entry));
  std::sort(out.begin(), out.end(), [](const User& a, const User& b) { return a.name < b.name; });
  return out;
}

std::vector<User> Directory::members(std::string_view group) const {
  std::vector<User> out;
  const std::string filter = ldap::filter_and({user_filter(), ldap::filter_equals(kGroup, group)});
  for (const auto& entry : connection_.search(users_dn(), ldap::Scope::OneLevel, filter, user_attributes()))
    out.push_back(user_from_entry(entry));
  std::sort(out.begin(), out.end(), [](const User& a, const User& b) { return a.name < b.name; });
  return out;
}

void Directory::remove_user(std::string_view name) {
  const std::string normalised = normalize_localpart(name);
  try {
    connection_.remove(user_dn(normalised));
  } catch (const ldap::LdapError& e) {
    if (is_code(e, ldap::kNoSuchObject)) throw Error(ErrorKind::NotFound, translatable("no such user '%s'"), {normalised});
    throw;
  }
}

void Directory::set_nickname(std::string_view name, std::string_view nickname) {
  const User u = user(name);
  connection_.modify(u.dn, {{Op::Replace, kCn, {check_text(nickname, "nickname", kMaxNickname)}}});
}

void Directory::set_photo(std::string_view name, std::string_view jpeg) {
  const User u = user(name);
  if (jpeg.empty()) {
    if (!u.photo.empty()) connection_.modify(u.dn, {{Op::Delete, kPhoto, {}}});
  } else {
    connection_.modify(u.dn, {{Op::Replace, kPhoto, {std::string(jpeg)}}});
  }
}

void Directory::set_password(std::string_view name, std::string_view clear) {
  const User u = user(name);
  std::string hashed = password::hash(clear);
  if (u.locked) hashed = password::lock(hashed);
  connection_.modify(u.dn, {{Op::Replace, kPassword, {hashed}}});
}

void Directory::set_expiry(std::string_view name, std::optional<std::int64_t> day) {
  if (day && *day <= 1)  // 0 means "never" and 1 is the lock: neither is a date
    throw Error(ErrorKind::InvalidArgument, translatable("expiry date %s is too early: the first one is %s"),
                {format_date(*day), format_date(2)});
  const User u = user(name);
  if (day) connection_.modify(u.dn, {{Op::Replace, kExpire, {std::to_string(*day)}}});
  else if (u.expires) connection_.modify(u.dn, {{Op::Delete, kExpire, {}}});
}

void Directory::lock(std::string_view name) {
  const User u = user(name);
  const auto entry = connection_.read(u.dn, {kPassword});
  std::vector<Modification> mods{{Op::Replace, kExpire, {kLockedExpire}}};
  if (const auto stored = entry ? entry->first(kPassword) : std::nullopt)
    mods.push_back({Op::Replace, kPassword, {password::lock(*stored)}});
  connection_.modify(u.dn, mods);
}

void Directory::unlock(std::string_view name) {
  const User u = user(name);
  const auto entry = connection_.read(u.dn, {kPassword, kExpire});
  std::vector<Modification> mods;
  // Only the lock's own value goes: an expiry date is no lock (cl-usermod -e changes it).
  if (entry && entry->first(kExpire) == kLockedExpire) mods.push_back({Op::Delete, kExpire, {}});
  if (const auto stored = entry ? entry->first(kPassword) : std::nullopt; stored && password::is_locked(*stored))
    mods.push_back({Op::Replace, kPassword, {password::unlock(*stored)}});
  if (!mods.empty()) connection_.modify(u.dn, mods);
}

std::optional<std::string> Directory::set_group(std::string_view name, std::string_view group) {
  const std::string canonical = canonical_group_name(group);
  const User u = user(name);
  // One single-valued attribute replaced in one operation: atomic, and never two groups.
  connection_.modify(u.dn, {{Op::Replace, kGroup, {canonical}}});
  return u.group;
}

void Directory::clear_group(std::string_view name) {
  const User u = user(name);
  if (u.group) connection_.modify(u.dn, {{Op::Delete, kGroup, {}}});
}

std::string Directory::check_group_name(std::string_view name) { return check_text(name, "group name", kMaxGroupName); }

std::optional<Group> Directory::find_group(std::string_view name) const {
  const auto entry = connection_.read(group_dn(check_group_name(name)), {kCn});
  if (!entry) return std::nullopt;
  Group g;
  g.dn = entry->dn;
  // The stored spelling: slapd matches cn regardless of case, as it does departmentNumber.
  g.name = entry->first(kCn).value_or(std::string(name));
  for (const auto& u : members(g.name)) g.members.push_back(u.name);
  return g;
}

std::string Directory::canonical_group_name(std::string_view name) const {
  // One read of the group entry: membership is not needed to know the stored spelling.
  const auto entry = connection_.read(group_dn(check_group_name(name)), {kCn});
  if (!entry) throw Error(ErrorKind::NotFound, translatable("no such group '%s'"), {std::string(name)});
  return entry->first(kCn).value_or(std::string(name));
}

Group Directory::group(std::string_view name) const {
  auto found = find_group(name);
  if (!found) throw Error(ErrorKind::NotFound, translatable("no such group '%s'"), {std::string(name)});
  return std::move(*found);
}

std::vector<Group> Directory::groups() const {
  std::vector<Group> out;
  for (const auto& entry : connection_.search(groups_dn(), ldap::Scope::OneLevel, "(objectClass=organizationalRole)", {kCn}))
    if (auto name = entry.first(kCn)) out.push_back(Group{*name, {}, entry.dn});
  // One search for every member instead of one per group.
  for (const auto& u : users())
    if (u.group)
      for (auto& g : out)
        if (g.name == *u.group) g.members.push_back(u.name);  // our tools store the group's own spelling
  std::sort(out.begin(), out.end(), [](const Group& a, const Group& b) { return a.name < b.name; });
  return out;
}

Group Directory::add_group(std::string_view name) {
  const std::string checked = check_group_name(name);
  try {
    connection_.add(group_dn(checked), {{kObjectClass, {"organizationalRole"}}, {kCn, {checked}}});
  } catch (const ldap::LdapError& e) {
    if (is_code(e, ldap::kAlreadyExists)) throw Error(ErrorKind::AlreadyExists, translatable("group '%s' already exists"), {checked});
    throw;
  }
  return group(checked);
}

void Directory::remove_group(std::string_view name) {
  const Group g = group(name);
  // Members first: if we stop half-way, running cl-groupdel again finishes the job.
  for (const auto& member : g.members) {
    try {
      connection_.modify(user_dn(member), {{Op::Delete, kGroup, {g.name}}});
    } catch (const ldap::LdapError& e) {
      if (!is_code(e, ldap::kNoSuchAttribute)) throw;  // moved away meanwhile: fine
    }
  }
  connection_.remove(g.dn);
}

void Directory::rename_group(std::string_view old_name, std::string_view new_name) {
  const Group g = group(old_name);
  const std::string checked = check_group_name(new_name);
  try {
    connection_.rename(g.dn, ldap::child_dn(kCn, checked, ""));
  } catch (const ldap::LdapError& e) {
    if (is_code(e, ldap::kAlreadyExists)) throw Error(ErrorKind::AlreadyExists, translatable("group '%s' already exists"), {checked});
    throw;
  }
  for (const auto& member : g.members) {
    try {
      // Value-level: only a member still in the old group follows.
      connection_.modify(user_dn(member), {{Op::Delete, kGroup, {g.name}}, {Op::Add, kGroup, {checked}}});
    } catch (const ldap::LdapError& e) {
      if (!is_code(e, ldap::kNoSuchAttribute)) throw;
    }
  }
}

std::vector<MembershipChange> Directory::add_members(std::string_view group_name, const std::vector<std::string>& names) {
  const std::string canonical = canonical_group_name(group_name);
  std::vector<User> users;
  for (const auto& n : names) users.push_back(user(n));  // all exist, or nothing changes
  std::vector<MembershipChange> changes;
  for (const auto& u : users) {
    connection_.modify(u.dn, {{Op::Replace, kGroup, {canonical}}});
    MembershipChange change{u.name, {}};
    if (u.group && *u.group != canonical) change.previous_group = u.group;
    changes.push_back(std::move(change));
  }
  return changes;
}

void Directory::remove_members(std::string_view group_name, const std::vector<std::string>& names) {
  const std::string canonical = canonical_group_name(group_name);
  std::vector<User> users;
  for (const auto& n : names) users.push_back(user(n));
  for (const auto& u : users) {
    try {
      connection_.modify(u.dn, {{Op::Delete, kGroup, {canonical}}});
    } catch (const ldap::LdapError& e) {
      if (is_code(e, ldap::kNoSuchAttribute))
        throw Error(ErrorKind::GroupUpdate, translatable("user '%s' is not in group '%s'"), {u.name, canonical});
      throw;
    }
  }
}

}  // namespace jabberadmin
