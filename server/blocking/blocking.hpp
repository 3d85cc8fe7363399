// XEP-0191 Blocking Command: each account keeps a list of JIDs it will not hear from nor
// talk to. The list is read and changed with IQs in urn:xmpp:blocking; the router asks this
// module about every stanza it routes (Router::filter_routes), in both directions.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "blocking/blocklist.hpp"
#include "blocking/blocklist_store.hpp"
#include "module/module.hpp"

namespace jabberadmin::presence {
class Presence;
}

namespace jabberadmin::blocking {

// The longest list an account may keep: one more item is refused with <policy-violation/>.
inline constexpr std::size_t kMaxItems = 1000;

class Blocking final : public module::Module {
 public:
  // Needs the database; presence (started before it) to withdraw and restore the user's
  // presence when a contact is blocked or unblocked; the directory, when there is one, to
  // drop a deleted account's list.
  explicit Blocking(module::Context& context);

  // Whether the stanza may go from `from` to `to` (the route filter; see router.hpp).
  bool allow(std::string_view from, const Jid& to, const xml::Element* stanza);

 private:
  void on_request(const xml::Element& iq);
  void get(const xml::Element& iq, const Jid& user);
  void change(const xml::Element& iq, const Jid& user, const xml::Element& command);
  // Items named in a block/unblock command, normalised; nothing when one is no JID (iq is
  // answered then).
  std::optional<std::vector<std::string>> items_of(const xml::Element& iq, const xml::Element& command);
  void push(const Jid& user, const xml::Element& command);
  // Presence between user and the contacts items cover: withdrawn on a block, given again
  // on an unblock (XEP-0191 §3.3, §3.4).
  void withdraw_presence(const Jid& user, const std::vector<std::string>& items);
  void restore_presence(const Jid& user, const std::vector<std::string>& items);
  // A local account's list (null when it has none), and whether a JID (its localpart and
  // domain) is one of our hosts itself.
  const Blocklist* list_of(std::string_view local, std::string_view domain) const;
  bool is_server(std::string_view local, std::string_view domain) const;
  // A deleted account's list goes with it: seen live, or found missing at the first read
  // of the directory (deleted while the server was down).
  // Removes a deleted account's list; how many items it held.
  std::size_t forget(const std::string& account);
  // Answers stanza straight to the session that sent it (never through the filter, which
  // would stop the answer too).
  void answer(const xml::Element& stanza, std::string_view condition, bool blocked_by_sender);

  router::Router& router_;
  presence::Presence& presence_;
  BlocklistStore store_;
  std::map<std::string, Blocklist, std::less<>> lists_;  // account name -> its items, never empty
  std::set<std::string> interested_;  // full JIDs that asked for their list in this session
  unsigned long pushes_ = 0;
  module::Registration server_, account_, filter_, unbound_, kept_;
};

}  // namespace jabberadmin::blocking
