#include "history/message_history.hpp"

#include <algorithm>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::history {

MessageHistory::MessageHistory(router::Router& router, HistoryLog& log, AccountExists exists, Clock now,
                               std::size_t bytes_per_day)
    : router_(router), log_(log), exists_(std::move(exists)), now_(std::move(now)), bytes_per_day_(bytes_per_day) {
  observer_ = router_.on_client_message([this](const stream::Stanza& m) { record(m); });
}

void MessageHistory::record(const stream::Stanza& message) {
  const std::string_view type = message.type();
  if (type != "chat" && type != "normal" && type != "headline") return;
  const xml::Element* body = message.element().child("body", ns::kClient);
  if (body == nullptr) return;
  const Jid& from = message.from();
  const Jid& to = message.to();
  if (from.local.empty() || to.local.empty()) return;
  if (!router_.serves(from.domain) || !router_.serves(to.domain)) return;
  const Jid sender = from.to_bare();
  const Jid recipient = to.to_bare();
  if (!exists_(recipient)) return;
  const auto when = now_();
  const std::string text = body->text();
  const std::size_t bytes = format_line(when, Direction::Sent, recipient.bare(), text).size() +
                            format_line(when, Direction::Received, sender.bare(), text).size();
  if (!charge(sender.bare(), when, bytes)) return;
  log_.append(sender.bare(), when, Direction::Sent, recipient.bare(), text);
  log_.append(recipient.bare(), when, Direction::Received, sender.bare(), text);
}

bool MessageHistory::charge(const std::string& sender, std::chrono::system_clock::time_point when,
                            std::size_t bytes) {
  if (bytes_per_day_ == 0) return true;
  const auto day = std::chrono::floor<std::chrono::days>(when).time_since_epoch().count();
  if (day != day_) {
    day_ = day;
    written_today_.clear();
  }
  auto [entry, first_today] = written_today_.try_emplace(sender, 0);
  // Its first message today in this process: what it wrote before a restart counts too.
  if (first_today) entry->second = std::min<std::uint64_t>(log_.sent_bytes(sender, when), bytes_per_day_);
  std::size_t& written = entry->second;
  if (written > bytes_per_day_) return false;  // over, and already said so
  if (written + bytes > bytes_per_day_) {
    written = bytes_per_day_ + 1;
    log::warning("history: " + sender + " has written " + std::to_string(bytes_per_day_) +
                 " bytes of history today; their further messages today are delivered but not logged");
    return false;
  }
  written += bytes;
  return true;
}

}  // namespace jabberadmin::history
