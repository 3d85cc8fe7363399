// XEP-0313 Message Archive Management for accounts (urn:xmpp:mam:2, with #extended), with
// XEP-0359 stanza ids and XEP-0059 paging.
//
// Archiving: a one-to-one message with a <body/> (chat or normal; not one marked
// <no-store/> or <no-permanent-store/>, XEP-0334) between two accounts is archived twice:
// in the sender's archive when its client sends it (Router::stamp_client_messages, before
// the carbons copy it), and in the recipient's when the router stamps it on its way in
// (Router::stamp_messages), before it is delivered or stored offline. Each stamp adds
// <stanza-id by='owner'/> with that archive's id: the sender's other clients get it in the
// sent carbon (XEP-0280), the recipient's clients in the message, so each can match it with
// its archive; the recipient's stamper removes the sender's. A stanza-id a client wrote
// with the recipient or the sender as 'by' is removed first (XEP-0359 §5: archive ids are
// the server's alone; a room's ids stay).
// Each side's preferences decide for its own archive.
//
// Ids: 96 random bits, base64url (16 characters): unique, and not to be guessed from one
// another. The order of an archive is the time a message was archived, then its arrival.
//
// Queries go to the account's own bare JID (or no 'to'); any other account's archive is
// forbidden. Results come to the asking resource only.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "jabberadmin/jid.hpp"
#include "mam/archive_query.hpp"
#include "mam/archive_store.hpp"
#include "module/module.hpp"
#include "router/router.hpp"

namespace jabberadmin::mam {

struct MamOptions {
  // Whether a bare JID on our hosts names an account (only accounts have archives).
  std::function<bool(const Jid& bare)> exists;
  // Whether contact is in user's roster (the 'roster' preference).
  std::function<bool(const Jid& user, const Jid& contact)> in_roster;
  Policy default_policy = Policy::Always;
  std::function<TimePoint()> now = [] { return std::chrono::system_clock::now(); };
};

class MessageArchive {
 public:
  // Registers with router (the stamper, the client message observer, the mam:2 IQs);
  // router and db must outlive it.
  MessageArchive(router::Router& router, store::Database& db, MamOptions options);
  ~MessageArchive();
  MessageArchive(const MessageArchive&) = delete;
  MessageArchive& operator=(const MessageArchive&) = delete;

  ArchiveStore& store() { return store_; }
  // Removes what was archived before cutoff, in batches; how many went.
  std::size_t prune(TimePoint cutoff);
  // The archives as per-account data (removed with the account).
  module::AccountData::Keeper keeper();
  // Prunes what is older than retention now, then hourly, on executor.
  void schedule_pruning(boost::asio::any_io_executor executor, std::chrono::days retention);

 private:
  void stamp(const stream::Stanza& original, xml::Element& message);
  // The sender's copy, archived as its client sends it; message (which original views)
  // gets the sender's <stanza-id/>.
  void sent(const stream::Stanza& original, xml::Element& message);
  void on_iq(const stream::Stanza& iq);
  void prefs(const stream::Stanza& iq);
  // Whether owner's preferences archive a message with other (bare).
  bool wanted(const Jid& owner, const Jid& other);
  const Preferences& preferences_of(const std::string& owner);

  router::Router& router_;
  ArchiveStore store_;
  MamOptions options_;
  std::map<std::string, Preferences, std::less<>> preferences_;  // read once per owner
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);   // the pruning timer's guard
  std::function<void()> stop_pruning_;
  module::Registration stamper_, sent_, iq_;
};

// The module: with [jabber] mam on, a MessageArchive over the context's database, its
// directory (who is an account) and the roster (its declared dependency: the 'roster'
// preference), the retention pruned hourly; with mam off, nothing.
class Mam final : public module::Module {
 public:
  explicit Mam(module::Context& context);
  MessageArchive* archive() { return archive_.get(); }

 private:
  std::unique_ptr<MessageArchive> archive_;
  module::Registration kept_, advertised_, extended_;
};

// A message worth archiving (XEP-0313 §5.1.1 on XEP-0334): chat or normal, with a body, a
// call's signal (XEP-0353) or a <store/> hint, and not asking not to be stored.
bool archivable(const stream::Stanza& message);

}  // namespace jabberadmin::mam
