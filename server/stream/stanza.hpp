// Small helpers every layer above the stream uses to read and answer stanzas.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "jabberadmin/jid.hpp"
#include "xml/element.hpp"

namespace jabberadmin::stream {

enum class StanzaKind { Message, Presence, Iq };
// The kind of a top-level jabber:client element, if it is a stanza at all.
std::optional<StanzaKind> stanza_kind(const xml::Element& element);

// The stanza's type attribute, with RFC 6121 defaults ("normal" for messages, "available"
// for presence).
std::string stanza_type(const xml::Element& stanza);

// RFC 6121 §3: the presence types that manage a subscription, in this order (the roster's
// state machine numbers them so).
inline constexpr std::array<std::string_view, 4> kSubscriptionTypes{"subscribe", "subscribed", "unsubscribe",
                                                                    "unsubscribed"};
bool is_subscription(std::string_view presence_type);

// Parses an address attribute; nothing when absent, an empty optional in *bad when invalid.
struct Address {
  bool present = false;
  std::optional<Jid> jid;  // empty when present but malformed
};
Address address(const xml::Element& stanza, std::string_view attribute);

// RFC 6120 §8.3: an error reply to stanza (from/to swapped, type='error', same id).
xml::Element error_reply(const xml::Element& stanza, std::string_view error_type, std::string_view condition,
                         std::string_view text = {});
// An IQ result for iq, from/to swapped.
xml::Element iq_result(const xml::Element& iq);

// A message that rings, answers or ends a call (XEP-0353 Jingle Message Initiation: propose,
// retract, accept, proceed, reject, finish). It carries no body but belongs with the chat: it
// is carbon-copied and archived, so every device of both sides learns of the call and a phone
// that wakes later sees the missed one.
bool is_call_signal(const xml::Element& message);

}  // namespace jabberadmin::stream
