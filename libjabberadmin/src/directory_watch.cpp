#include "jabberadmin/directory_watch.hpp"

#include <ldap.h>

#include <map>
#include <mutex>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/error.hpp"
#include "ldap_message.hpp"

namespace jabberadmin {
namespace {

using Kind = DirectoryEvent::Kind;

// State shared with libldap's C callbacks for one sync session.
struct SyncSession {
  const Directory* directory;
  const DirectoryWatch::Callback* callback;
  std::function<void()> announce_refreshed;  // Refreshed (and Restored after an outage)
  std::atomic<bool>* live;  // set when the refresh is done, before Refreshed is announced
  std::function<std::int64_t()> today;
  std::map<std::string, std::string> dn_by_uuid;  // refresh-phase deletes name UUIDs only
  std::map<std::string, User> expiring;            // by DN: users whose expiry day is ahead
  bool refreshed = false;

  void changed(User user) {
    if (user.expires && !user.expired) expiring[user.dn] = user;
    else expiring.erase(user.dn);
    (*callback)({Kind::Changed, std::move(user)});
  }

  // Announces again, expired, every user whose expiry day has come since it was read.
  void announce_expired() {
    const std::int64_t day = today();
    for (auto it = expiring.begin(); it != expiring.end();) {
      if (!it->second.expired_on(day)) {
        ++it;
        continue;
      }
      User user = std::move(it->second);
      it = expiring.erase(it);
      user.expired = true;
      (*callback)({Kind::Changed, std::move(user)});
    }
  }

  void deleted(const std::string& dn) {
    User gone;
    gone.dn = dn;
    // "uid=<name>,ou=Users,...": read the name back through libldap's DN parser.
    LDAPDN parsed = nullptr;
    if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && parsed && parsed[0]) {
      gone.name.assign(parsed[0][0]->la_value.bv_val, parsed[0][0]->la_value.bv_len);
      ldap_dnfree(parsed);
    }
    expiring.erase(dn);
    (*callback)({Kind::Deleted, gone});
  }
};

SyncSession& session_of(ldap_sync_t* ls) { return *static_cast<SyncSession*>(ls->ls_private); }

int on_entry(ldap_sync_t* ls, LDAPMessage* msg, berval* uuid, ldap_sync_refresh_t phase) {
  SyncSession& s = session_of(ls);
  const std::string id = uuid ? std::string(uuid->bv_val, uuid->bv_len) : std::string();
  if (phase == LDAP_SYNC_CAPI_ADD || phase == LDAP_SYNC_CAPI_MODIFY) {
    const ldap::Entry entry = ldap::entry_from_message(ls->ls_ld, msg);
    if (!id.empty()) s.dn_by_uuid[id] = entry.dn;
    s.changed(s.directory->user_from_entry(entry, s.today()));
  } else if (phase == LDAP_SYNC_CAPI_DELETE) {
    std::string dn;
    if (char* raw = ldap_get_dn(ls->ls_ld, msg)) {
      dn = raw;
      ldap_memfree(raw);
    }
    if (dn.empty() && s.dn_by_uuid.contains(id)) dn = s.dn_by_uuid[id];
    s.dn_by_uuid.erase(id);
    if (!dn.empty()) s.deleted(dn);
  }
  return LDAP_SUCCESS;
}

int on_intermediate(ldap_sync_t* ls, LDAPMessage*, BerVarray uuids, ldap_sync_refresh_t phase) {
  SyncSession& s = session_of(ls);
  if (phase == LDAP_SYNC_CAPI_DELETES_IDSET && uuids != nullptr) {
    for (BerVarray u = uuids; u->bv_val != nullptr; ++u) {
      const auto it = s.dn_by_uuid.find(std::string(u->bv_val, u->bv_len));
      if (it == s.dn_by_uuid.end()) continue;
      const std::string dn = it->second;
      s.dn_by_uuid.erase(it);
      s.deleted(dn);
    }
  }
  if (phase == LDAP_SYNC_CAPI_DONE && !s.refreshed) {
    s.refreshed = true;
    *s.live = true;
    s.announce_refreshed();
  }
  return LDAP_SUCCESS;
}

int on_result(ldap_sync_t*, LDAPMessage*, int) { return LDAP_SUCCESS; }

}  // namespace

DirectoryWatch::DirectoryWatch(Settings settings, Callback callback, WatchOptions options)
    : settings_(std::move(settings)), callback_(std::move(callback)), options_(options), thread_([this] { run(); }) {}

DirectoryWatch::~DirectoryWatch() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

bool DirectoryWatch::sleep(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stopping_ && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return !stopping_;
}

std::int64_t DirectoryWatch::today() const {
  return day_number(options_.clock ? options_.clock() : std::chrono::system_clock::now());
}

void DirectoryWatch::lost(const std::string& reason) {
  if (lost_ || stopping_) return;
  lost_ = true;
  callback_({Kind::Lost, {}, reason});
}

void DirectoryWatch::refreshed() {
  callback_({Kind::Refreshed, {}});
  if (!lost_) return;
  lost_ = false;
  callback_({Kind::Restored, {}});
}

void DirectoryWatch::run() {
  bool sync_available = options_.use_sync;
  while (!stopping_) {
    try {
      if (sync_available) {
        sync_available = follow_with_sync();
      } else {
        follow_by_polling();
      }
    } catch (const Error& e) {
      // Directory unreachable or the session broke: start over after a pause.
      lost(e.what());
    }
    live_ = false;
    if (!sleep(options_.retry_interval)) break;
  }
}

bool DirectoryWatch::follow_with_sync() {
  Directory directory = Directory::open(settings_);
  std::string base = directory.users_dn();
  std::string filter = schema::user_filter();
  std::vector<std::string> attribute_names = schema::user_attributes();
  std::vector<char*> attrs;
  for (auto& a : attribute_names) attrs.push_back(a.data());
  attrs.push_back(nullptr);

  SyncSession session{&directory, &callback_, [this] { refreshed(); }, &live_, [this] { return today(); }};
  ldap_sync_t* ls = ldap_sync_initialize(nullptr);
  if (ls == nullptr) throw Error(ErrorKind::Directory, "cannot start LDAP content synchronisation");
  ls->ls_base = base.data();
  ls->ls_scope = LDAP_SCOPE_ONELEVEL;
  ls->ls_filter = filter.data();
  ls->ls_attrs = attrs.data();
  ls->ls_timeout = 0;  // set per poll below
  ls->ls_search_entry = on_entry;
  ls->ls_intermediate = on_intermediate;
  ls->ls_search_result = on_result;
  ls->ls_private = &session;
  ls->ls_ld = directory.connection().native_handle();
  // Our strings and the connection are owned here, not by libldap: detach before destroy.
  auto release = [&] {
    ls->ls_base = nullptr;
    ls->ls_filter = nullptr;
    ls->ls_attrs = nullptr;
    ls->ls_ld = nullptr;
    ldap_sync_destroy(ls, 1);
  };

  callback_({Kind::RefreshStarted, {}});
  int rc = ldap_sync_init(ls, LDAP_SYNC_REFRESH_AND_PERSIST);
  if (rc != LDAP_SUCCESS) {
    release();
    // No syncprov (unavailable critical extension): poll instead.
    if (rc == LDAP_UNAVAILABLE_CRITICAL_EXTENSION || rc == LDAP_PROTOCOL_ERROR) return false;
    throw Error(ErrorKind::Directory, std::string("LDAP sync failed: ") + ldap_err2string(rc));
  }
  ls->ls_timeout = 1;  // seconds: wake up to notice stop requests
  while (!stopping_) {
    rc = ldap_sync_poll(ls);
    if (rc != LDAP_SUCCESS && rc != 0) break;  // connection lost or search ended
    session.announce_expired();
  }
  release();
  if (!stopping_) throw Error(ErrorKind::Directory, std::string("LDAP sync ended: ") + ldap_err2string(rc));
  return true;
}

void DirectoryWatch::follow_by_polling() {
  Directory directory = Directory::open(settings_);
  callback_({Kind::RefreshStarted, {}});
  std::map<std::string, User> known;
  bool first = true;
  while (!stopping_) {
    std::map<std::string, User> now;
    const std::int64_t day = today();
    for (auto& u : directory.users()) {
      u.expired = u.expired_on(day);
      now.emplace(u.dn, std::move(u));
    }
    for (const auto& [dn, user] : now) {
      const auto it = known.find(dn);
      if (it == known.end() || !(it->second == user)) callback_({Kind::Changed, user});
    }
    for (const auto& [dn, user] : known)
      if (!now.contains(dn)) callback_({Kind::Deleted, User{.name = user.name, .dn = dn}});
    known = std::move(now);
    if (first) refreshed();
    first = false;
    if (!sleep(options_.poll_interval)) return;
  }
}

}  // namespace jabberadmin
