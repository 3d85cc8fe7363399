#include "mam/message_archive.hpp"

#include "mam/archive_answer.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <exception>
#include <set>
#include <stdexcept>

#include "roster/roster_module.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::mam {
namespace {
using ns::kMam;
using ns::kStanzaId;

constexpr std::size_t kPruneBatch = 1000;          // rows per turn of the io thread
constexpr std::size_t kMaxPreferenceJids = 1000;   // in each of <always/> and <never/>

// Removes every <stanza-id/> whose 'by' is one of these accounts' bare JIDs: only the
// server issues ids for their archives (XEP-0359 §5). Ids of others (a room's) stay.
// Returns the id it carried for the first of them, if any.
std::optional<std::string> strip_ids_by(xml::Element& message, std::string_view owner, std::string_view other = {}) {
  std::optional<std::string> found;
  std::erase_if(message.children(), [&](const xml::Element& c) {
    if (!c.is("stanza-id", kStanzaId)) return false;
    const auto by = Jid::parse(c.attr_or("by"));
    if (!by || !by->resource.empty()) return false;
    const std::string bare = by->bare();
    if (bare == owner && !found) found = c.attr_or("id");
    return bare == owner || (!other.empty() && bare == other);
  });
  return found;
}

xml::Element stanza_id(const std::string& id, const std::string& by) {
  xml::Element e("stanza-id", std::string(kStanzaId));
  e.set_attr("id", id);
  e.set_attr("by", by);
  return e;
}

MamOptions from_context(module::Context& context) {
  const presence::Contacts& contacts = context.require<roster::RosterModule>().contacts();
  const JabberSettings& j = context.settings().jabber;
  return MamOptions{
      .exists = module::message_recipients(context.directory()),
      .in_roster =
          [&contacts](const Jid& user, const Jid& contact) {
            if (contacts.is_subscriber(user, contact)) return true;
            for (const Jid& s : contacts.subscriptions(user))
              if (s.bare() == contact.bare()) return true;
            return false;
          },
      .default_policy = policy(j.mam_default).value_or(Policy::Always),
  };
}
}  // namespace

bool archivable(const stream::Stanza& message) {
  const std::string_view type = message.type();
  if (type != "chat" && type != "normal") return false;
  const xml::Element& e = message.element();
  if (e.child("no-store", ns::kHints) || e.child("no-permanent-store", ns::kHints)) return false;
  // A body; a call's signal (XEP-0353 §3.1: a phone that wakes later sees the missed call);
  // or whatever the sender asked to be kept (XEP-0334 <store/>).
  return e.child("body", ns::kClient) || stream::is_call_signal(e) || e.child("store", ns::kHints);
}

Mam::Mam(module::Context& context) : Module("mam") {
  if (!context.settings().jabber.mam) return;
  archive_ = std::make_unique<MessageArchive>(context.router(), context.database(), from_context(context));
  archive_->store().write_behind(context.executor());
  kept_ = context.account_data().keep(archive_->keeper());
  // The handler is the archive's own (registered with the router): advertised here.
  advertised_ = context.disco_feature(router::IqTarget::Account, std::string(ns::kMam));
  extended_ = context.disco_feature(router::IqTarget::Account, std::string(ns::kMamExtended),
                                    "XEP-0313 §6.1: before-id and after-id, answered by the urn:xmpp:mam:2 handler");
  const std::size_t days = context.settings().jabber.mam_retention_days;
  if (days > 0) archive_->schedule_pruning(context.executor(), std::chrono::days(days));
  log::info("mam: message archive on; accounts that chose nothing keep " + context.settings().jabber.mam_default +
            ", kept " + (days > 0 ? std::to_string(days) + " days" : std::string("for ever")));
}

MessageArchive::MessageArchive(router::Router& router, store::Database& db, MamOptions options)
    : router_(router), store_(db), options_(std::move(options)) {
  stamper_ = router_.stamp_messages([this](const stream::Stanza& o, xml::Element& m) { stamp(o, m); });
  sent_ = router_.stamp_client_messages([this](const stream::Stanza& o, xml::Element& m) { sent(o, m); });
  iq_ = router_.handle_iq(router::IqTarget::Account, std::string(kMam),
                          [this](router::Router&, const stream::Stanza& iq) { on_iq(iq); });
}

MessageArchive::~MessageArchive() {
  *alive_ = false;
  if (stop_pruning_) stop_pruning_();
}

module::AccountData::Keeper MessageArchive::keeper() {
  return {.name = "message archive",
          .known =
              [this](std::set<std::string>& jids) {
                for (auto& owner : store_.owners()) jids.insert(std::move(owner));
              },
          .remove = [this](const std::vector<std::string>& jids) {
            for (const auto& jid : jids) preferences_.erase(jid);
            return store_.remove_owners(jids);
          }};
}

void MessageArchive::stamp(const stream::Stanza& original, xml::Element& message) {
  const Jid owner = original.to().to_bare();
  const std::string owner_bare = owner.bare();
  // The sender's too, when it is an account of ours (its archive's ids are ours as well).
  const std::string sender = router_.serves(original.from().domain) && !original.from().local.empty()
                                 ? original.from().bare()
                                 : std::string();
  const std::optional<std::string> carried = strip_ids_by(message, owner_bare, sender);
  if (!archivable(original) || original.from().domain.empty() || !options_.exists(owner)) return;
  const Jid other = original.from().to_bare();
  try {
    // Routed here before and archived then (a stream that ended with it unacknowledged,
    // XEP-0198): the id it was given stays, and it is not archived twice. A client cannot
    // pass a message off as one of these: the ids are random and only the owner sees them.
    if (carried)
      if (const auto known = store_.position(owner_bare, *carried)) {
        message.add(stanza_id(*carried, owner_bare));
        return;
      }
    if (!wanted(owner, other)) return;
    ArchivedMessage archived{new_archive_id(), options_.now(), original.from().full(), Direction::Incoming,
                             xml::serialize(message)};
    store_.append(owner_bare, archived);
    message.add(stanza_id(archived.id, owner_bare));
  } catch (const std::exception& e) {
    // The message goes on unarchived rather than not at all.
    log::error("mam: cannot archive a message for " + owner_bare + ": " + e.what());
  }
}

void MessageArchive::sent(const stream::Stanza& original, xml::Element& message) {
  const Jid& from = original.from();
  const Jid& to = original.to();
  if (from.local.empty() || to.local.empty() || !router_.serves(to.domain)) return;
  const Jid owner = from.to_bare(), other = to.to_bare();
  // To oneself: the incoming copy is the one archived.
  if (owner == other || !archivable(original) || !options_.exists(other)) return;
  // Only the server names the sender's archive ids (the recipient's stamper drops them too).
  strip_ids_by(message, owner.bare());
  try {
    if (!wanted(owner, other)) return;
    ArchivedMessage archived{new_archive_id(), options_.now(), to.full(), Direction::Outgoing, xml::serialize(message)};
    store_.append(owner.bare(), archived);
    // XEP-0313 §5.1.2: the sender's other clients see it with the id (the sent carbon).
    message.add(stanza_id(archived.id, owner.bare()));
  } catch (const std::exception& e) {
    log::error("mam: cannot archive a message of " + owner.bare() + ": " + e.what());
  }
}

const Preferences& MessageArchive::preferences_of(const std::string& owner) {
  if (const auto it = preferences_.find(owner); it != preferences_.end()) return it->second;
  Preferences p = store_.preferences(owner).value_or(Preferences{.default_policy = options_.default_policy});
  return preferences_.emplace(owner, std::move(p)).first->second;
}

bool MessageArchive::wanted(const Jid& owner, const Jid& other) {
  const Preferences& p = preferences_of(owner.bare());
  const std::string with = other.bare();
  if (std::find(p.never.begin(), p.never.end(), with) != p.never.end()) return false;
  if (std::find(p.always.begin(), p.always.end(), with) != p.always.end()) return true;
  switch (p.default_policy) {
    case Policy::Always: return true;
    case Policy::Never: return false;
    case Policy::Roster: return options_.in_roster && options_.in_roster(owner, other);
  }
  return false;
}

void MessageArchive::on_iq(const stream::Stanza& iq) {
  const Jid& from = iq.from();
  if (from.local.empty()) return router_.bounce(iq, "cancel", "service-unavailable");
  // An account's archive is its own (a room answers for its archive itself: muc::Room).
  if (iq.has_to() && iq.to().bare() != from.bare())
    return router_.bounce(iq, "auth", "forbidden", "Only the account itself may read its archive");
  const xml::Element* payload = iq.payload();
  if (payload->name() == "prefs") return prefs(iq);
  if (payload->name() != "query") return router_.bounce(iq, "cancel", "feature-not-implemented");
  answer_query(router_, store_, iq, from.bare());
}

void MessageArchive::prefs(const stream::Stanza& iq) {
  const std::string owner = iq.from().bare();
  if (iq.type() == "set") {
    const xml::Element& request = *iq.payload();
    const auto chosen = policy(request.attr_or("default"));
    if (!chosen) return router_.bounce(iq, "modify", "bad-request", "'default' is always, roster or never");
    Preferences p{.default_policy = *chosen};
    for (const xml::Element& list : request.children()) {
      if (!list.is("always", kMam) && !list.is("never", kMam)) continue;
      auto& into = list.name() == "always" ? p.always : p.never;
      for (const xml::Element& j : list.children()) {
        if (!j.is("jid", kMam)) continue;
        const auto jid = Jid::parse(j.text());
        if (!jid || jid->domain.empty()) return router_.bounce(iq, "modify", "bad-request", "Not a JID: " + j.text());
        into.push_back(jid->bare());
        if (into.size() > kMaxPreferenceJids)
          return router_.bounce(iq, "modify", "not-acceptable",
                                "At most " + std::to_string(kMaxPreferenceJids) + " JIDs in each list");
      }
    }
    try {
      store_.set_preferences(owner, p);
    } catch (const std::exception& e) {
      log::error("mam: cannot store the preferences of " + owner + ": " + e.what());
      return router_.bounce(iq, "wait", "internal-server-error");
    }
    preferences_.insert_or_assign(owner, std::move(p));
  }
  const Preferences& p = preferences_of(owner);
  xml::Element reply = stream::iq_result(iq);
  xml::Element& out = reply.add(xml::Element("prefs", std::string(kMam)));
  out.set_attr("default", to_string(p.default_policy));
  for (const auto& [name, jids] : {std::pair{"always", &p.always}, std::pair{"never", &p.never}}) {
    xml::Element& list = out.add(xml::Element(name, std::string(kMam)));
    for (const auto& jid : *jids) list.add(xml::Element("jid", std::string(kMam))).add_text(jid);
  }
  router_.reply(iq, reply);
}

std::size_t MessageArchive::prune(TimePoint cutoff) {
  std::size_t removed = 0, batch = 0;
  do {
    batch = store_.prune(cutoff, kPruneBatch);
    removed += batch;
  } while (batch == kPruneBatch);
  return removed;
}

void MessageArchive::schedule_pruning(boost::asio::any_io_executor executor, std::chrono::days retention) {
  // The clock's nanoseconds reach about 292 years either side of 1970: the settings refuse
  // more than a century, and a longer retention given here keeps what a century would.
  retention = std::min(retention, std::chrono::days(kMaxMamRetentionDays));
  auto timer = std::make_shared<boost::asio::steady_timer>(executor);
  stop_pruning_ = [timer] { timer->cancel(); };
  // Once at start, then hourly; one batch per turn so the io thread is never held long.
  auto run = std::make_shared<std::function<void()>>();
  *run = [this, timer, retention, alive = std::weak_ptr<bool>(alive_), weak = std::weak_ptr<std::function<void()>>(run)] {
    const auto self = weak.lock();
    if (!self || alive.expired()) return;
    std::size_t removed = 0;
    try {
      removed = store_.prune(options_.now() - retention, kPruneBatch);
    } catch (const std::exception& e) {
      log::error(std::string("mam: cannot prune the archive: ") + e.what());
    }
    if (removed > 0) log::debug("mam: pruned " + std::to_string(removed) + " archived messages");
    timer->expires_after(removed == kPruneBatch ? std::chrono::milliseconds(10) : std::chrono::hours(1));
    timer->async_wait([self, alive](const boost::system::error_code& ec) {
      if (!ec && !alive.expired()) (*self)();
    });
  };
  boost::asio::post(executor, [run, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) (*run)();
  });
}

}  // namespace jabberadmin::mam
