#include "csi/held_stanzas.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::csi {
namespace {
// A message that only says how a conversation goes (XEP-0085: composing, paused, ...): a
// chat state, and nothing but a thread or processing hints beside it.
bool chat_state_only(const xml::Element& message) {
  bool state = false;
  for (const xml::Element& child : message.children()) {
    if (child.name().empty()) continue;  // text, or bytes serialized already
    if (child.xmlns() == ns::kChatStates) state = true;
    else if (!child.is("thread", ns::kClient) && child.xmlns() != ns::kHints) return false;
  }
  return state;
}

// The message a carbon (XEP-0280) carries, if stanza is one.
const xml::Element* carried(const xml::Element& message) {
  for (const xml::Element& child : message.children()) {
    if (child.xmlns() != ns::kCarbons || (child.name() != "sent" && child.name() != "received")) continue;
    if (const xml::Element* forwarded = child.child("forwarded", ns::kForward))
      return forwarded->child("message", ns::kClient);
    return nullptr;
  }
  return nullptr;
}
}  // namespace

std::optional<std::string> squash_key(const xml::Element& stanza) {
  const std::string type = stream::stanza_type(stanza);
  if (stanza.name() == "presence") {
    if (type == "available" || type == "unavailable") return "presence " + stanza.attr_or("from");
    return std::nullopt;
  }
  if (stanza.name() != "message" || type == "error") return std::nullopt;
  if (const xml::Element* inner = carried(stanza)) {
    if (!chat_state_only(*inner)) return std::nullopt;
    // The other client's conversation with someone: one state per pair.
    return "carbon " + inner->attr_or("from") + " " + inner->attr_or("to");
  }
  if (!chat_state_only(stanza)) return std::nullopt;
  return "chat state " + stanza.attr_or("from");
}

void HeldStanzas::offer(const xml::Element& stanza, std::string bytes, const Write& write) {
  const std::string from = stanza.attr_or("from");
  const std::string_view sender = std::string_view(from).substr(0, from.find('/'));
  auto key = squash_key(stanza);
  if (!key) {
    flush_from(sender, write);
    return write(std::move(bytes));
  }
  if (const auto it = by_key_.find(*key); it != by_key_.end()) {
    held_.erase(it->second);
    by_key_.erase(it);
  }
  held_.push_back({*key, std::string(sender), std::move(bytes)});
  by_key_.emplace(std::move(*key), std::prev(held_.end()));
  if (held_.size() > limit_) flush(write);
}

void HeldStanzas::flush(const Write& write) {
  Held out;
  out.swap(held_);
  by_key_.clear();
  for (Entry& e : out) write(std::move(e.bytes));
}

void HeldStanzas::flush_from(std::string_view sender, const Write& write) {
  Held out;
  for (auto it = held_.begin(); it != held_.end();) {
    const auto next = std::next(it);
    if (it->sender == sender) {
      by_key_.erase(it->key);
      out.splice(out.end(), held_, it);
    }
    it = next;
  }
  for (Entry& e : out) write(std::move(e.bytes));
}

}  // namespace jabberadmin::csi
