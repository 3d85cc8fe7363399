// A stanza read once: its kind, type, id and addresses, parsed when it enters the router,
// next to the element itself. The router builds one per client stanza (after stamping
// 'from' and normalising 'to') and per stanza a module hands to Router::deliver(), and
// passes it to every IQ handler, stanza hook and observer: no handler parses an address or
// reads the type again (issue 13: a roster IQ's addresses used to be parsed three or four
// times).
//
// A view: the element must outlive it and stay unchanged meanwhile (the router builds it
// after its last change to the element).
//
// Handlers take `const stream::Stanza&`. The legacy form, a handler taking
// `const xml::Element&`, still compiles and works (a Stanza converts to its element), but
// it reads the attributes again: new code uses the view.
#pragma once

#include <string_view>

#include "jabberadmin/jid.hpp"
#include "stream/stanza.hpp"
#include "xml/element.hpp"

namespace jabberadmin::stream {

class Stanza {
 public:
  // element's type and id read, and its addresses as the caller has them: already parsed
  // or stamped by the server. An empty Jid (no domain) stands for an absent address. The
  // kind comes from the element's name (message, presence, anything else an IQ).
  Stanza(const xml::Element& element, Jid from, Jid to);

  const xml::Element& element() const noexcept { return *element_; }
  // The legacy form: handlers written against the element still take a Stanza.
  operator const xml::Element&() const noexcept { return *element_; }

  StanzaKind kind() const noexcept { return kind_; }
  bool is_message() const noexcept { return kind_ == StanzaKind::Message; }
  bool is_presence() const noexcept { return kind_ == StanzaKind::Presence; }
  bool is_iq() const noexcept { return kind_ == StanzaKind::Iq; }
  // With RFC 6121's defaults: "normal" for a message, "available" for presence, "" for
  // an IQ without one.
  std::string_view type() const noexcept { return type_; }
  std::string_view id() const noexcept { return id_; }
  // The sender, as the server stamped it (a client's full JID, or an account's bare JID).
  const Jid& from() const noexcept { return from_; }
  // The addressee; empty (has_to() false) for a stanza to the sender's own account.
  const Jid& to() const noexcept { return to_; }
  bool has_to() const noexcept { return !to_.domain.empty(); }
  // An IQ's payload (the router has checked a request has exactly one).
  const xml::Element* payload() const { return element_->first_element(); }

 private:
  const xml::Element* element_;
  StanzaKind kind_;
  std::string_view type_, id_;
  Jid from_, to_;
};

}  // namespace jabberadmin::stream
