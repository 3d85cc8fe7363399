#include "offline/offline_messages.hpp"

#include <exception>
#include <variant>
#include <vector>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::offline {
namespace {
constexpr std::string_view kHints = "urn:xmpp:hints";
constexpr std::string_view kDelay = "urn:xmpp:delay";
}  // namespace

bool worth_storing(const xml::Element& message) {
  if (message.child("no-store", kHints) || message.child("no-permanent-store", kHints)) return false;
  return message.child("body", ns::kClient) || message.child("subject", ns::kClient) ||
         message.child("store", kHints);
}

xml::Element with_delay(xml::Element message, std::string_view host, std::chrono::system_clock::time_point stamp) {
  xml::Element& delay = message.add(xml::Element("delay", std::string(kDelay)));
  delay.set_attr("from", host);
  delay.set_attr("stamp", util::xmpp_datetime(stamp));
  delay.add_text("Offline Storage");
  return message;
}

std::optional<xml::Element> parse_stanza(std::string_view text) {
  // Stored stanzas were within the stream's limit when they came in; stamping 'from' and
  // 'to' adds little, so a generous limit here only guards against a damaged row.
  xml::StreamParser parser(xml::ParserLimits{.max_stanza_size = 1 << 24});
  std::vector<xml::StreamEvent> events;
  std::string input = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  input += text;
  if (parser.feed(input, events)) return std::nullopt;
  for (auto& event : events)
    if (auto* element = std::get_if<xml::Element>(&event)) return std::move(*element);
  return std::nullopt;
}

OfflineMessages::OfflineMessages(router::Router& router, store::Database& db, AccountExists exists,
                                 OfflineOptions options)
    : router_(router), store_(db, options.limit_per_user), exists_(std::move(exists)), options_(std::move(options)) {
  router_.on_undeliverable_message([this](const xml::Element& m) { undeliverable(m); });
  router_.on_available([this](const Jid& full) { deliver_stored(full); });
}

void OfflineMessages::undeliverable(const xml::Element& message) {
  const auto to = stream::address(message, "to").jid;
  if (!to) return;
  const Jid user = to->to_bare();
  // RFC 6121 §8.5.1: no such account.
  if (!exists_(user)) return router_.bounce(message, "cancel", "service-unavailable");
  const std::string type = stream::stanza_type(message);
  if (type != "normal" && type != "chat") return;  // the router handles the others (§8.5.2.2.1)
  if (!worth_storing(message)) {
    // A chat state or receipt for nobody is dropped (XEP-0085 §5.5); content the sender
    // asked us not to store is refused, as RFC 6121 requires for what is not kept.
    if (message.child("body", ns::kClient))
      router_.bounce(message, "cancel", "service-unavailable", "The recipient is offline and the message asks not to be stored");
    return;
  }
  bool stored = false;
  try {
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

void OfflineMessages::deliver_stored(const Jid& full) {
  const std::string user = full.bare();
  std::vector<store::OfflineMessage> pending;
  try {
    pending = store_.pending(user);
  } catch (const std::exception& e) {
    log::error("offline: cannot read the messages of " + user + ": " + e.what());
    return;
  }
  if (pending.empty()) return;
  std::optional<std::int64_t> handed_over;
  std::size_t count = 0;
  for (const auto& stored : pending) {
    // A delivery can end the session (its output queue overflowing): look again each time.
    router::Resource* resource = router_.find(full);
    if (resource == nullptr || resource->session == nullptr) break;
    if (auto message = parse_stanza(stored.stanza)) {
      resource->session->deliver(with_delay(std::move(*message), full.domain, stored.stamp));
      ++count;
    } else {
      log::error("offline: a stored message for " + user + " cannot be read back; discarded");
    }
    handed_over = stored.id;
  }
  if (!handed_over) return;
  try {
    store_.remove_through(user, *handed_over);
  } catch (const std::exception& e) {
    // They will come again at the next login: a duplicate rather than a loss.
    log::error("offline: cannot forget the delivered messages of " + user + ": " + e.what());
  }
  log::info("offline: delivered " + std::to_string(count) + " stored messages to " + full.full());
}

}  // namespace jabberadmin::offline
