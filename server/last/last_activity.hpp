// XEP-0012 last activity (jabber:iq:last). To the server: its uptime in seconds. To an
// account's bare JID: 0 while it has a connected resource, else the seconds since its last
// resource went and the status text of the unavailable presence that resource sent (kept
// in SQLite: LastStore). Only for the account itself and those who may see its presence
// (a shared directory group or a personal subscription "from"/"both", as the roster
// decides); anyone else gets <forbidden/> (XEP-0012 §4, RFC 6121). A request to a full JID
// is routed to that client as any IQ.
//
// It also answers when an account last logged in (XEP-0133's get-user-lastlogin, asked by
// the admin commands): its newest session's bind while online, else the one recorded with
// the last logout.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "last/last_store.hpp"
#include "module/module.hpp"
#include "presence/presence.hpp"

namespace jabberadmin::last {

struct LastOptions {
  // Whether bare is an account of ours (others: service-unavailable, RFC 6121 §8.5.1).
  std::function<bool(const Jid& bare)> exists;
  // Whether asker (bare) may see user's (bare) presence.
  std::function<bool(const Jid& user, const Jid& asker)> may_see;
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
};

class LastActivity final : public module::Module {
 public:
  // The module: the roster decides who may see (a declared dependency), the directory who exists.
  explicit LastActivity(module::Context& context);
  LastActivity(module::Context& context, presence::Presence& presence, LastOptions options);
  // Those still online when the server stops went offline now.
  ~LastActivity() override;

  // When bare (an account of ours) last logged in: the newest bind among its sessions of
  // this run (online or gone), else the one kept with its last logout; nothing if it never
  // logged in since logins were first recorded.
  std::optional<std::chrono::system_clock::time_point> last_login(const Jid& bare);

 private:
  void uptime(router::Router& router, const xml::Element& iq) const;
  void account(router::Router& router, const xml::Element& iq);
  // XEP-0012 §3: a request to a client (a full JID) of ours is delivered only if its sender
  // may see the user's presence; else it is answered <forbidden/> (a route filter).
  bool may_reach(std::string_view from, const Jid& to, const xml::Element* stanza);
  void unbound(const Jid& full, const router::Resource& leaving);
  void record(const std::string& bare, std::string status, std::chrono::system_clock::time_point login);

  router::Router& router_;
  LastStore store_;
  LastOptions options_;
  std::chrono::system_clock::time_point started_;
  std::map<std::string, std::string> statuses_;  // full JID -> the status of its unavailable presence
  // bare JID -> the newest login among its resources that went while others stayed.
  std::map<std::string, std::chrono::system_clock::time_point> logins_;
  module::Registration server_, account_, unavailable_, unbind_, kept_, filter_;
};

}  // namespace jabberadmin::last
