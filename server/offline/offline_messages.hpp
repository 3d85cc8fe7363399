// Offline messages (RFC 6121 §8.5.2.2.1, XEP-0160, XEP-0203): a normal or chat message
// with content for an existing user with no resource that takes it is committed to the
// store before anything else happens; it reaches the user's first resource that becomes
// available with a non-negative priority, in order, each with a <delay/> stamp, and only
// then leaves the store. Over the per-user limit the sender gets an error: nothing is
// dropped silently.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "jabberadmin/jid.hpp"
#include "router/router.hpp"
#include "store/offline_store.hpp"
#include "xml/element.hpp"

namespace jabberadmin::offline {

// Whether a bare JID on one of our hosts names an account.
using AccountExists = std::function<bool(const Jid& bare)>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

struct OfflineOptions {
  std::size_t limit_per_user = 1000;
  Clock now = [] { return std::chrono::system_clock::now(); };
};

// Whether a message nobody could take is worth keeping: it carries a body or subject, or
// asks to be stored (XEP-0334 <store/>), and does not forbid it (<no-store/>,
// <no-permanent-store/>). Chat states and receipts alone are not.
bool worth_storing(const xml::Element& message);

// The stored message as it is handed over: a XEP-0203 <delay/> from the recipient's host.
xml::Element with_delay(xml::Element message, std::string_view host, std::chrono::system_clock::time_point stamp);

// Reads back a stanza serialized with xml::serialize(stanza, "jabber:client").
std::optional<xml::Element> parse_stanza(std::string_view text);

class OfflineMessages {
 public:
  // Registers with router (undeliverable messages, resources becoming available); db,
  // router and the exists callback must outlive it.
  OfflineMessages(router::Router& router, store::Database& db, AccountExists exists, OfflineOptions options = {});

  // Stores or refuses one message nobody could take (the router's undeliverable hook).
  void undeliverable(const xml::Element& message);
  // Hands the user's stored messages to this resource, then forgets them.
  void deliver_stored(const Jid& full);

 private:
  router::Router& router_;
  store::OfflineStore store_;
  AccountExists exists_;
  OfflineOptions options_;
};

}  // namespace jabberadmin::offline
