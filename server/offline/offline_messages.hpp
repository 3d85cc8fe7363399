// Offline messages (RFC 6121 §8.5.2.2.1, XEP-0160, XEP-0203): a normal or chat message
// with content for an existing user with no resource that takes it is committed to the
// store before anything else happens; it reaches the user's first resource that becomes
// available with a non-negative priority, in order, each with a <delay/> stamp. Over the
// per-user limit the sender gets an error: nothing is dropped silently.
//
// Handing over is paced so that it cannot itself overflow the stream's bounded output
// queue (which would drop the connection and what it had queued): batches of at most
// batch_bytes, one per `later` tick, and a batch leaves the store only at the next tick,
// once the session has survived queueing it and a pause (the last batch, which no batch of
// ours follows, at once). A session that ends midway keeps the unconfirmed batch stored:
// a duplicate at the next login rather than a loss. Most users' backlog is one batch.
// A session resumed on another stream (XEP-0198) goes on getting them, the unconfirmed
// batch confirmed once the resumed stream has it again; a hand-over ends with its session
// (the router's unbind: a resume is none, a new login with the resource is one).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "jabberadmin/jid.hpp"
#include "module/module.hpp"
#include "router/router.hpp"
#include "util/registration.hpp"
#include "offline/offline_store.hpp"
#include "xml/element.hpp"

namespace jabberadmin::offline {

// Whether a bare JID on one of our hosts names an account.
using AccountExists = std::function<bool(const Jid& bare)>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

struct OfflineOptions {
  std::size_t limit_per_user = 1000;
  std::size_t batch_bytes = 128 * 1024;  // serialized stanzas handed over per tick (at least one)
  Clock now = [] { return std::chrono::system_clock::now(); };
  // Runs the next tick a little later (the server: a timer); unset = at once. The tick must
  // not run once the registration it returns is gone (a module destroyed, or its hand-over
  // superseded, cancels its pending tick that way).
  std::function<util::Registration(std::function<void()>)> later;
};

// Whether a message nobody could take is worth keeping: it carries a body or subject, or
// asks to be stored (XEP-0334 <store/>), and does not forbid it (<no-store/>,
// <no-permanent-store/>). Chat states and receipts alone are not.
bool worth_storing(const xml::Element& message);

// The stored message as it is handed over: a XEP-0203 <delay/> from the recipient's host.
xml::Element with_delay(xml::Element message, std::string_view host, std::chrono::system_clock::time_point stamp);

class OfflineMessages final : public module::Module {
 public:
  // The module: the context's database, directory (who exists) and executor (the pace of
  // the hand-over: 64 KiB each quarter second).
  OfflineMessages(module::Context& context, std::size_t limit_per_user);
  // Registers with router (undeliverable messages, resources becoming available); db,
  // router and the exists callback must outlive it.
  OfflineMessages(router::Router& router, store::Database& db, AccountExists exists, OfflineOptions options = {});

  // Stores or refuses one message nobody could take (the router's undeliverable hook).
  void undeliverable(const stream::Stanza& message);
  // Starts handing the user's stored messages to this resource (unless another resource
  // of the user is already being given them).
  void deliver_stored(const Jid& full);
  // The stored messages as per-account data: listed for the sweep at start, removed with an
  // account removed from the directory. The module registers it with its context.
  module::AccountData::Keeper keeper();

 private:
  // One user's hand-over in progress.
  struct Flush {
    Jid to;                           // the receiving resource (whichever stream has its session now)
    std::uint64_t token;              // tells this hand-over from a later one
  };
  // Confirms the previous batch and hands over the next; the id of its last message, or
  // nothing when the hand-over is over.
  std::optional<std::int64_t> tick(const std::string& user, std::uint64_t token, std::int64_t after,
                                   std::optional<std::int64_t> unconfirmed);
  void run(const std::string& user, std::uint64_t token, std::int64_t after, std::optional<std::int64_t> unconfirmed);
  bool still_there(const Flush& flush);

  router::Router& router_;
  OfflineStore store_;
  AccountExists exists_;
  OfflineOptions options_;
  std::map<std::string, Flush> flushes_;  // by bare JID
  std::uint64_t next_token_ = 0;
  std::map<std::string, util::Registration> pending_;  // each hand-over's next tick, by bare JID
  module::Registration undeliverable_, available_, unbound_, kept_;
  module::Registration advertised_;  // msgoffline (XEP-0160), by the module's context
  // The store's size for /metrics, counted at each scrape: every way a message goes (handed
  // over, an account removed) needs no bookkeeping of its own, and a scrape is rare.
  util::Registration collected_;
};

}  // namespace jabberadmin::offline
