#include "history/message_history.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::history {

MessageHistory::MessageHistory(router::Router& router, HistoryLog& log, AccountExists exists, Clock now)
    : router_(router), log_(log), exists_(std::move(exists)), now_(std::move(now)) {
  router_.on_client_message([this](const xml::Element& m) { record(m); });
}

void MessageHistory::record(const xml::Element& message) {
  const std::string type = stream::stanza_type(message);
  if (type != "chat" && type != "normal" && type != "headline") return;
  const xml::Element* body = message.child("body", ns::kClient);
  if (body == nullptr) return;
  const auto from = stream::address(message, "from").jid;
  const auto to = stream::address(message, "to").jid;
  if (!from || !to || from->local.empty() || to->local.empty()) return;
  if (!router_.serves(from->domain) || !router_.serves(to->domain)) return;
  const Jid sender = from->to_bare();
  const Jid recipient = to->to_bare();
  if (!exists_(recipient)) return;
  const auto when = now_();
  const std::string text = body->text();
  log_.append(sender.bare(), when, Direction::Sent, recipient.bare(), text);
  log_.append(recipient.bare(), when, Direction::Received, sender.bare(), text);
}

}  // namespace jabberadmin::history
