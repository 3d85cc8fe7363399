// XEP-0050 ad-hoc commands on the server's own JID, with the XEP-0133 administration set
// for the bare JIDs in the `admins` setting (jabberadmin.conf(5)): online and active users
// (count and list), announce to the admin host's online users, end a user's session(s).
// Everybody else gets <forbidden/> (type auth); the sender is the router's stamped one.
// "Active" means online with an available presence (RFC 6121 §4.2); CSI state is not
// consulted. No last-login command: server/last keeps the last logout, not the login.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "module/module.hpp"

namespace jabberadmin::adhoc {

inline constexpr std::string_view kCommands = "http://jabber.org/protocol/commands";
inline constexpr std::string_view kAdmin = "http://jabber.org/protocol/admin";
// At most this many JIDs in one accountjids field, and this many open multi-stage sessions.
inline constexpr std::size_t kMaxAccountJids = 100;
inline constexpr std::size_t kMaxOpenSessions = 256;
// At most this many JIDs listed in one answer (the rest are counted, not listed).
inline constexpr std::size_t kMaxListed = 1000;

class Adhoc final : public module::Module {
 public:
  explicit Adhoc(module::Context& context);  // admins from the settings (none without)
  Adhoc(module::Context& context, std::vector<std::string> admins);

  // May this stamped sender list and run the commands?
  bool is_admin(const Jid& from) const;

 private:
  struct Open {
    std::string node;
    std::string owner;  // the full JID that started it
  };
  void command(router::Router& r, const stream::Stanza& iq);
  std::vector<xml::Element> items(const xml::Element& iq) const;
  // One-stage commands: the result form.
  xml::Element users_form(const std::string& node, const std::string& host) const;
  // The second stage of a multi-stage command; empty: done; else the error text (bad-request).
  std::string announce(const std::string& host, const xml::Element& form);
  std::string end_sessions(const std::string& host, const xml::Element& form);

  router::Router& router_;
  std::vector<std::string> admins_;
  std::map<std::string, Open> open_;  // sessionid -> command
  std::uint64_t next_session_ = 1;
  std::vector<module::Registration> registrations_;
};

}  // namespace jabberadmin::adhoc
