#include "jabberadmin/directory.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "jabberadmin/directory_connection.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/password.hpp"
#include "utf8.hpp"

namespace jabberadmin {
namespace {

using ldap::Modification;
using Op = ldap::Modification::Op;
using namespace schema;

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

// True when the directory's schema has authPassword's class: its subschema entry (RFC 4512
// §4.2, named by the root DSE) lists it in objectClasses. A directory that will not say is
// taken to lack it: passwords then get no verifiers, and nothing fails.
bool schema_defines_scram(const ldap::Connection& connection) {
  try {
    const auto root = connection.read("", {"subschemaSubentry"});
    const std::string subschema = root ? root->first("subschemaSubentry").value_or("cn=Subschema") : "cn=Subschema";
    const auto entry = connection.read(subschema, {"objectClasses"});
    if (!entry) return false;
    const auto found = entry->attributes.find("objectClasses");
    if (found == entry->attributes.end()) return false;
    // "( 1.3.6.1.4.1.4203.1.4.7 NAME 'authPasswordObject' ... )": names match regardless of case.
    std::string quoted = std::string("'") + kScramClass + "'";
    std::transform(quoted.begin(), quoted.end(), quoted.begin(), [](unsigned char c) { return std::tolower(c); });
    return std::any_of(found->second.begin(), found->second.end(), [&](std::string definition) {
      std::transform(definition.begin(), definition.end(), definition.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      return definition.find(quoted) != std::string::npos;
    });
  } catch (const ldap::LdapError&) {
    return false;
  }
}

std::vector<User> sorted(std::vector<User> users) {
  std::sort(users.begin(), users.end(), [](const User& a, const User& b) { return a.name < b.name; });
  return users;
}

}  // namespace

Directory::Directory(ldap::Connection connection, std::string base_dn, std::string primary_host,
                     unsigned scram_iterations)
    : connection_(std::move(connection)),
      layout_(std::move(base_dn)),
      primary_host_(std::move(primary_host)),
      scram_iterations_(scram_iterations) {
  if (scram_iterations_ < scram::kMinIterations)
    throw Error(ErrorKind::InvalidArgument, translatable("%s SCRAM iterations are too few: at least %s"),
                {std::to_string(scram_iterations_), std::to_string(scram::kMinIterations)});
}

Directory Directory::open(const Settings& settings) {
  return Directory(connect(settings.ldap), settings.ldap.base_dn, settings.primary_host(),
                   settings.jabber.scram_iterations);
}

std::optional<unsigned> Directory::scram_iterations() const {
  if (!schema_has_scram_) schema_has_scram_ = schema_defines_scram(connection_);
  return *schema_has_scram_ ? std::optional(scram_iterations_) : std::nullopt;
}

password::Stored Directory::store_password(std::string_view clear) const {
  return password::store(clear, scram_iterations());
}

bool Directory::tree_exists() const {
  return connection_.read(users_dn(), {"ou"}).has_value() && connection_.read(groups_dn(), {"ou"}).has_value();
}

std::vector<std::string> Directory::ensure_tree() {
  const std::string& base = layout_.base_dn();
  if (!connection_.read(base, {kObjectClass}))
    throw Error(ErrorKind::Directory, "the base DN " + base + " does not exist on " + connection_.uri());
  std::vector<std::string> created;
  for (const auto& [name, dn] : std::vector<std::pair<std::string, std::string>>{
           {"Services", layout_.services_dn()}, {"Jabber", layout_.jabber_dn()}, {"Users", users_dn()},
           {"Groups", groups_dn()}}) {
    if (connection_.read(dn, {"ou"})) continue;
    connection_.add(dn, {{kObjectClass, {"organizationalUnit"}}, {"ou", {name}}});
    created.push_back(dn);
  }
  return created;
}

ldap::Connection::NewEntry Directory::new_user_entry(const NewUser& request,
                                                    const std::optional<std::string>& group) const {
  const std::string name = normalize_localpart(request.name);
  const std::string nickname = check_text(request.nickname.value_or(name), "nickname", kMaxNickname);
  std::optional<password::Stored> stored = request.stored_password;
  if (!stored && request.password) stored = store_password(*request.password);
  return {user_dn(name), new_user(name, nickname, name + "@" + primary_host_, stored, group, request.photo)};
}

Error Directory::add_error(const ldap::LdapError& e, const std::string& dn) {
  if (!is_code(e, ldap::kAlreadyExists)) return e;
  std::string name = dn.substr(dn.find('=') + 1);
  name = name.substr(0, name.find(",ou=Users"));
  return Error(ErrorKind::AlreadyExists, translatable("user '%s' already exists"), {name});
}

User Directory::add_user(const NewUser& request) {
  std::optional<std::string> group;
  if (request.group) group = group_name(*request.group);
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
          if (const auto entry = connection_.read(layout_.group_dn(check_group_name(*named)), {kGroupName}))
            it->second = entry->first(kGroupName).value_or(*named);
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
  return sorted(std::move(out));
}

std::vector<User> Directory::members(std::string_view group) const {
  std::vector<User> out;
  const std::string filter = ldap::filter_and({user_filter(), ldap::filter_equals(kGroup, group)});
  for (const auto& entry : connection_.search(users_dn(), ldap::Scope::OneLevel, filter, user_attributes()))
    out.push_back(user_from_entry(entry));
  return sorted(std::move(out));
}

std::vector<std::string> Directory::member_names(std::string_view group) const {
  std::vector<std::string> out;
  const std::string filter = ldap::filter_and({user_filter(), ldap::filter_equals(kGroup, group)});
  for (const auto& entry : connection_.search(users_dn(), ldap::Scope::OneLevel, filter, {kUid}))
    if (auto name = entry.first(kUid)) out.push_back(std::move(*name));
  std::sort(out.begin(), out.end());
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

User Directory::update_user(std::string_view name, const UserUpdate& update) {
  using Lock = UserUpdate::Lock;
  if (update.lock == Lock::Lock && update.expires)
    throw Error(ErrorKind::InvalidArgument, translatable("a lock and an expiry date cannot be set together"));
  if (update.expires && *update.expires && **update.expires < kFirstExpiryDay)  // 0 is "never", 1 the lock
    throw Error(ErrorKind::InvalidArgument, translatable("expiry date %s is too early: the first one is %s"),
                {format_date(**update.expires), format_date(kFirstExpiryDay)});
  // Everything but the avatar: the stored hash and verifiers are needed to lock, unlock or
  // keep a lock, the object classes to add SCRAM's.
  std::vector<std::string> attributes = user_attributes();
  std::erase(attributes, std::string(kPhoto));
  attributes.push_back(kObjectClass);
  const std::string normalised = normalize_localpart(name);
  auto entry = connection_.read(user_dn(normalised), attributes);
  if (!entry) throw Error(ErrorKind::NotFound, translatable("no such user '%s'"), {std::string(name)});
  const User before = user_from_entry(*entry);
  const auto stored_password = entry->first(kPassword);
  const auto stored_expire = entry->first(kExpire);
  std::vector<std::string> stored_verifiers;
  if (const auto found = entry->attributes.find(kScramVerifier); found != entry->attributes.end())
    stored_verifiers = found->second;
  // Made (and checked) before anything is written.
  const std::optional<password::Stored> fresh =
      update.password ? std::optional(store_password(*update.password)) : std::nullopt;

  std::vector<Modification> mods;
  if (update.nickname) mods.push_back({Op::Replace, kNickname, {check_text(*update.nickname, "nickname", kMaxNickname)}});
  if (update.photo) {
    // A replace with no value removes the attribute, and is no error when there is none.
    mods.push_back({Op::Replace, kPhoto, update.photo->empty() ? std::vector<std::string>{}
                                                               : std::vector<std::string>{*update.photo}});
  }
  // One single-valued attribute replaced in one operation: atomic, and never two groups.
  if (update.group) mods.push_back({Op::Replace, kGroup, {group_name(*update.group)}});

  const bool locked_after = update.lock == Lock::Lock || (update.lock == Lock::Keep && before.locked);
  // The hash and the verifiers are touched only by a new password, a lock or an unlock (lock
  // and unlock are idempotent: a value already as wanted is not written again). A new
  // password replaces every verifier, so none of the old password's is left.
  std::optional<std::string> hash = fresh ? std::optional(fresh->hash) : stored_password;
  std::vector<std::string> verifiers = fresh ? fresh->verifiers : stored_verifiers;
  if (update.password || update.lock != Lock::Keep) {
    if (hash) {
      if (locked_after) hash = password::lock(*hash);
      else if (update.lock == Lock::Unlock) hash = password::unlock(*hash);
      if (hash != stored_password) mods.push_back({Op::Replace, kPassword, {*hash}});
    }
    for (auto& verifier : verifiers) {
      if (locked_after) verifier = password::lock_verifier(verifier);
      else if (update.lock == Lock::Unlock) verifier = password::unlock_verifier(verifier);
    }
    if (verifiers != stored_verifiers) {
      if (!verifiers.empty() && !has_scram_class(*entry)) mods.push_back({Op::Add, kObjectClass, {kScramClass}});
      mods.push_back({Op::Replace, kScramVerifier, verifiers});
    }
  }
  if (update.lock == Lock::Lock) mods.push_back({Op::Replace, kExpire, {kLockedExpire}});
  if (update.lock == Lock::Unlock && stored_expire == kLockedExpire && !update.expires)
    mods.push_back({Op::Replace, kExpire, {}});
  if (update.expires)
    mods.push_back({Op::Replace, kExpire, *update.expires ? std::vector<std::string>{std::to_string(**update.expires)}
                                                          : std::vector<std::string>{}});
  if (mods.empty()) return before;
  connection_.modify(entry->dn, mods);
  apply_modifications(*entry, mods);
  return user_from_entry(*entry);
}

bool Directory::add_first_verifiers(std::string_view name, std::string_view clear) {
  const auto iterations = scram_iterations();
  if (!iterations) return false;
  const auto entry = connection_.read(user_dn(normalize_localpart(name)), {kObjectClass, kScramVerifier});
  if (!entry || entry->has(kScramVerifier)) return false;
  std::vector<Modification> mods;
  if (!has_scram_class(*entry)) mods.push_back({Op::Add, kObjectClass, {kScramClass}});
  mods.push_back({Op::Add, kScramVerifier, password::verifiers(clear, *iterations)});
  const std::string no_verifier = std::string("(!(") + kScramVerifier + "=*))";
  const std::string unlocked = "(!" + ldap::filter_equals(kExpire, kLockedExpire) + ")";
  try {
    connection_.modify(entry->dn, mods, ldap::filter_and({no_verifier, unlocked}));
  } catch (const ldap::LdapError& e) {
    if (e.code() == ldap::kAssertionFailed) return false;
    throw;
  }
  return true;
}

std::string Directory::check_group_name(std::string_view name) { return check_text(name, "group name", kMaxGroupName); }

std::string Directory::group_name(std::string_view name) const {
  const auto entry = connection_.read(layout_.group_dn(check_group_name(name)), {kGroupName});
  if (!entry) throw Error(ErrorKind::NotFound, translatable("no such group '%s'"), {std::string(name)});
  // The stored spelling: slapd matches cn regardless of case, as it does departmentNumber.
  return entry->first(kGroupName).value_or(std::string(name));
}

std::optional<Group> Directory::find_group(std::string_view name) const {
  const auto entry = connection_.read(layout_.group_dn(check_group_name(name)), {kGroupName});
  if (!entry) return std::nullopt;
  Group g;
  g.dn = entry->dn;
  g.name = entry->first(kGroupName).value_or(std::string(name));
  g.members = member_names(g.name);
  return g;
}

Group Directory::group(std::string_view name) const {
  auto found = find_group(name);
  if (!found) throw Error(ErrorKind::NotFound, translatable("no such group '%s'"), {std::string(name)});
  return std::move(*found);
}

std::vector<Group> Directory::groups() const {
  std::vector<Group> out;
  for (const auto& entry : connection_.search(groups_dn(), ldap::Scope::OneLevel, group_filter(), {kGroupName}))
    if (auto name = entry.first(kGroupName)) out.push_back(Group{*name, {}, entry.dn});
  std::sort(out.begin(), out.end(), [](const Group& a, const Group& b) { return a.name < b.name; });
  // One search for every member (names and groups only) instead of one per group.
  std::map<std::string, Group*> by_name;
  for (auto& g : out) by_name[g.name] = &g;
  for (const auto& entry : connection_.search(users_dn(), ldap::Scope::OneLevel, user_filter(), {kUid, kGroup})) {
    const auto group = entry.first(kGroup);
    const auto name = entry.first(kUid);
    if (!group || !name) continue;
    // Our tools store the group's own spelling.
    if (const auto it = by_name.find(*group); it != by_name.end()) it->second->members.push_back(*name);
  }
  for (auto& g : out) std::sort(g.members.begin(), g.members.end());
  return out;
}

Group Directory::add_group(std::string_view name) {
  const std::string checked = check_group_name(name);
  try {
    connection_.add(layout_.group_dn(checked), new_group(checked));
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
    connection_.rename(g.dn, ldap::child_dn(kGroupName, checked, ""));
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

std::vector<ldap::Entry> Directory::memberships(const std::vector<std::string>& names) const {
  std::vector<ldap::Entry> out;
  for (const auto& n : names) {
    auto entry = connection_.read(user_dn(normalize_localpart(n)), {kUid, kGroup});
    if (!entry) throw Error(ErrorKind::NotFound, translatable("no such user '%s'"), {n});
    out.push_back(std::move(*entry));
  }
  return out;
}

std::vector<MembershipChange> Directory::add_members(std::string_view group, const std::vector<std::string>& names) {
  const std::string canonical = group_name(group);
  const auto entries = memberships(names);  // all exist, or nothing changes
  std::vector<MembershipChange> changes;
  for (const auto& entry : entries) {
    connection_.modify(entry.dn, {{Op::Replace, kGroup, {canonical}}});
    MembershipChange change{entry.first(kUid).value_or(""), {}};
    if (const auto previous = entry.first(kGroup); previous && *previous != canonical) change.previous_group = previous;
    changes.push_back(std::move(change));
  }
  return changes;
}

void Directory::remove_members(std::string_view group, const std::vector<std::string>& names) {
  const std::string canonical = group_name(group);
  for (const auto& entry : memberships(names)) {
    try {
      connection_.modify(entry.dn, {{Op::Delete, kGroup, {canonical}}});
    } catch (const ldap::LdapError& e) {
      if (is_code(e, ldap::kNoSuchAttribute))
        throw Error(ErrorKind::GroupUpdate, translatable("user '%s' is not in group '%s'"),
                    {entry.first(kUid).value_or(""), canonical});
      throw;
    }
  }
}

}  // namespace jabberadmin
