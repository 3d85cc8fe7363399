#include "offline/offline_messages.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <exception>
#include <set>
#include <variant>
#include <vector>

#include "metrics/server_metrics.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::offline {
namespace {
using ns::kDelay;
using ns::kHints;
constexpr std::size_t kRowsPerTick = 256;  // read per tick; batch_bytes usually ends a batch first

OfflineOptions paced(boost::asio::any_io_executor executor, std::size_t limit_per_user) {
  OfflineOptions options{.limit_per_user = limit_per_user, .batch_bytes = 64 * 1024};
  // 64 KiB each quarter second: far below what a stream may owe its client (1 MiB), so
  // handing over a full offline store cannot get the connection dropped.
  options.later = [executor](std::function<void()> next) {
    auto timer = std::make_shared<boost::asio::steady_timer>(executor, std::chrono::milliseconds(250));
    // A timer that has expired cannot be cancelled any more (its handler is queued): the
    // registration takes the task away instead.
    auto task = std::make_shared<std::function<void()>>(std::move(next));
    timer->async_wait([timer, task](const boost::system::error_code& ec) {
      if (ec || !*task) return;
      const std::function<void()> run = std::exchange(*task, nullptr);  // may cancel itself
      run();
    });
    return util::Registration([timer, task] {
      *task = nullptr;
      timer->cancel();
    });
  };
  return options;
}
}  // namespace

namespace {
// A message as it was stored, if it carries the <delay/> a hand-over from host adds.
std::optional<std::string> without_delay(const xml::Element& message, std::string_view host) {
  xml::Element copy = message;
  auto& children = copy.children();
  const auto delay = std::find_if(children.begin(), children.end(), [&](const xml::Element& c) {
    return c.is("delay", kDelay) && c.attr_or("from") == host && c.text() == "Offline Storage";
  });
  if (delay == children.end()) return std::nullopt;
  children.erase(delay);
  return xml::serialize(copy, ns::kClient);
}
}  // namespace

bool worth_storing(const xml::Element& message) {
  if (message.child("no-store", kHints) || message.child("no-permanent-store", kHints)) return false;
  return message.child("body", ns::kClient) || message.child("subject", ns::kClient) ||
         message.child("store", kHints);
}

xml::Element with_delay(xml::Element message, std::string_view host, std::chrono::system_clock::time_point stamp) {
  // Handed over before and routed back (a session with stream management that ended):
  // the first stamp says when it was sent.
  for (const xml::Element& c : message.children())
    if (c.is("delay", kDelay) && c.attr_or("from") == host) return message;
  xml::Element& delay = message.add(xml::Element("delay", std::string(kDelay)));
  delay.set_attr("from", host);
  delay.set_attr("stamp", util::xmpp_datetime(stamp));
  delay.add_text("Offline Storage");
  return message;
}

OfflineMessages::OfflineMessages(module::Context& context, std::size_t limit_per_user)
    : OfflineMessages(context.router(), context.database(), module::message_recipients(context.directory()),
                      paced(context.executor(), limit_per_user)) {
  kept_ = context.account_data().keep(keeper());
  advertised_ = context.disco_feature(router::IqTarget::Server, std::string(ns::kMsgOffline),
                                      "XEP-0160: messages to offline accounts are stored (on_undeliverable_message)");
}

module::AccountData::Keeper OfflineMessages::keeper() {
  return {.name = "offline messages",
          .known =
              [this](std::set<std::string>& jids) {
                for (auto& user : store_.users()) jids.insert(std::move(user));
              },
          .remove = [this](const std::vector<std::string>& jids) { return store_.remove_users(jids); }};
}

OfflineMessages::OfflineMessages(router::Router& router, store::Database& db, AccountExists exists,
                                 OfflineOptions options)
    : Module("offline"),
      router_(router),
      store_(db, options.limit_per_user),
      exists_(std::move(exists)),
      options_(std::move(options)) {
  undeliverable_ = router_.on_undeliverable_message([this](const stream::Stanza& m) { undeliverable(m); });
  available_ = router_.on_available([this](const Jid& full) { deliver_stored(full); });
  // The session being given them ended (a resume is no unbind): its hand-over stops, the
  // unconfirmed batch stays stored for the next login.
  unbound_ = router_.on_unbind([this](const Jid& full, const router::Resource&) {
    if (const auto it = flushes_.find(full.bare()); it != flushes_.end() && it->second.to == full) flushes_.erase(it);
  });
  collected_ = metrics::server_metrics().registry.on_collect(
      [this] { metrics::server_metrics().offline_messages.set(static_cast<double>(store_.total())); });
}

void OfflineMessages::undeliverable(const stream::Stanza& message) {
  if (!message.has_to()) return;
  const Jid user = message.to().to_bare();
  // RFC 6121 §8.5.1: no such account (or a locked one: nothing is kept for it).
  if (!exists_(user)) return router_.bounce(message, "cancel", "service-unavailable");
  const std::string_view type = message.type();
  if (type != "normal" && type != "chat") return;  // the router handles the others (§8.5.2.2.1)
  if (!worth_storing(message)) {
    // A chat state or receipt for nobody is dropped (XEP-0085 §5.5); content the sender
    // asked us not to store is refused, as RFC 6121 requires for what is not kept.
    if (message.element().child("body", ns::kClient))
      router_.bounce(message, "cancel", "service-unavailable", "The recipient is offline and the message asks not to be stored");
    return;
  }
  bool stored = false;
  try {
    // Handed over from here and routed back unacknowledged (XEP-0198: its session ended
    // before the batch was confirmed): still stored, kept once.
    if (const auto handed = without_delay(message, user.domain); handed && store_.contains(user.bare(), *handed)) return;
    stored = store_.store(user.bare(), xml::serialize(message, ns::kClient), options_.now());
  } catch (const std::exception& e) {
    log::error(std::string("offline: cannot store a message for ") + user.bare() + ": " + e.what());
    return router_.bounce(message, "wait", "internal-server-error",
                          "The recipient is offline and the message could not be stored");
  }
  if (!stored) {
    log::info("offline: " + user.bare() + " holds " + std::to_string(options_.limit_per_user) +
              " offline messages; one more was refused");
    // XEP-0160 §3 and RFC 6121 §8.5.2.2.1: service-unavailable, with a text that says why.
    return router_.bounce(message, "cancel", "service-unavailable",
                          "The recipient is offline and their offline storage is full (" +
                              std::to_string(options_.limit_per_user) + " messages)");
  }
  log::debug("offline: stored a message for " + user.bare());
}

bool OfflineMessages::still_there(const Flush& flush) {
  const router::Resource* r = router_.find(flush.to);
  // The same binding: one that ended (unbound) took its hand-over with it, so a session in
  // its place is the stream that resumed it (Router::transfer), not a new login.
  return r != nullptr && r->session != nullptr && r->available;
}

void OfflineMessages::deliver_stored(const Jid& full) {
  const std::string user = full.bare();
  if (auto it = flushes_.find(user); it != flushes_.end()) {
    if (still_there(it->second)) return;  // another resource is being given them
    flushes_.erase(it);
  }
  const router::Resource* r = router_.find(full);
  if (r == nullptr || r->session == nullptr) return;
  const std::uint64_t token = ++next_token_;
  flushes_.insert_or_assign(user, Flush{full, token});
  run(user, token, 0, std::nullopt);
}

void OfflineMessages::run(const std::string& user, std::uint64_t token, std::int64_t after,
                          std::optional<std::int64_t> unconfirmed) {
  std::optional<std::int64_t> last = tick(user, token, after, unconfirmed);
  if (!options_.later) {
    while (last) last = tick(user, token, *last, last);
    return;
  }
  if (!last) {
    pending_.erase(user);
    return;
  }
  pending_[user] = options_.later([this, user, token, last] { run(user, token, *last, last); });
}

std::optional<std::int64_t> OfflineMessages::tick(const std::string& user, std::uint64_t token, std::int64_t after,
                                                  std::optional<std::int64_t> unconfirmed) {
  const auto it = flushes_.find(user);
  if (it == flushes_.end() || it->second.token != token) return std::nullopt;  // superseded
  const Flush flush = it->second;
  const auto stop = [&]() -> std::optional<std::int64_t> {
    if (auto f = flushes_.find(user); f != flushes_.end() && f->second.token == token) flushes_.erase(f);
    return std::nullopt;
  };
  // Gone (or replaced) since the last batch: that batch stays stored for the next login.
  if (!still_there(flush)) return stop();
  try {
    // The last batch survived being queued and a pause: now it may be forgotten.
    if (unconfirmed) store_.remove_through(user, *unconfirmed);
  } catch (const std::exception& e) {
    log::error("offline: cannot forget the delivered messages of " + user + ": " + e.what());
    return stop();  // they come again at the next login: a duplicate rather than a loss
  }
  std::vector<OfflineMessage> pending;
  try {
    pending = store_.pending(user, after, kRowsPerTick);
  } catch (const std::exception& e) {
    log::error("offline: cannot read the messages of " + user + ": " + e.what());
    return stop();
  }
  std::size_t bytes = 0, count = 0;
  std::optional<std::int64_t> last;
  bool more = pending.size() == kRowsPerTick;
  for (const auto& stored : pending) {
    if (count > 0 && bytes + stored.stanza.size() > options_.batch_bytes) {
      more = true;
      break;
    }
    if (auto message = xml::parse_serialized(stored.stanza, ns::kClient)) {
      // The resource's session now: a resumed one is another stream.
      router_.find(flush.to)->session->deliver(with_delay(std::move(*message), flush.to.domain, stored.stamp));
      // A stream that cannot take more is dropped in a later turn (net::Transport::send), and
      // the next tick finds it gone: then this batch is not confirmed. Gone already (a
      // session ended from elsewhere meanwhile): the same.
      if (!still_there(flush)) return stop();
    } else {
      log::error("offline: a stored message for " + user + " cannot be read back; discarded");
    }
    bytes += stored.stanza.size();
    ++count;
    last = stored.id;
  }
  if (!last) return stop();  // nothing more: the previous batch is forgotten, done
  log::info("offline: handed " + std::to_string(count) + " stored messages to " + flush.to.full());
  if (more) return last;
  // The last batch: no batch of ours follows that could overflow the queue it sits in, so
  // it is as safe as any live message now.
  try {
    store_.remove_through(user, *last);
  } catch (const std::exception& e) {
    log::error("offline: cannot forget the delivered messages of " + user + ": " + e.what());
  }
  return stop();
}

}  // namespace jabberadmin::offline
