// XEP-0050 ad-hoc commands on the server's own JID, with the XEP-0133 administration set
// for the bare JIDs in the `admins` setting (jabberadmin.conf(5)): online and active users
// (count and list), announce to the admin host's online users, end a user's session(s).
// Everybody else gets <forbidden/> (type auth); the sender is the router's stamped one.
// "Active" means online with an available presence (RFC 6121 §4.2); CSI state is not
// consulted. A user's last login comes from server/last (its newest session's bind, or the
// one recorded with its last logout).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
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

// When an account of ours last logged in (nothing: never since logins were recorded).
using LastLogin = std::function<std::optional<std::chrono::system_clock::time_point>(const Jid& bare)>;

class Adhoc final : public module::Module {
 public:
  // Admins from the settings (none without), last logins from the last-activity module.
  explicit Adhoc(module::Context& context);
  // Without last_login, no get-user-lastlogin command.
  Adhoc(module::Context& context, std::vector<std::string> admins, LastLogin last_login = {});

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
  // get-user-lastlogin's second stage: the result form, or the error text.
  std::variant<xml::Element, std::string> last_login_form(const std::string& host, const xml::Element& form);
  // The accountjid(s) of a submitted form, each a user of host; else the error text.
  std::variant<std::vector<Jid>, std::string> accounts_of(const std::string& host, const xml::Element& form,
                                                          std::string_view var);

  router::Router& router_;
  std::vector<std::string> admins_;
  LastLogin last_login_;
  std::map<std::string, Open> open_;  // sessionid -> command
  std::uint64_t next_session_ = 1;
  std::vector<module::Registration> registrations_;
};

}  // namespace jabberadmin::adhoc
