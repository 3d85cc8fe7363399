// A client stream as the layers above see it once it has a bound resource, and what the
// stream asks of those layers (implemented by the router).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "jabberadmin/jid.hpp"
#include "xml/element.hpp"

namespace jabberadmin::stream {

class Session {
 public:
  virtual ~Session() = default;
  virtual const Jid& jid() const = 0;
  // Queues a stanza for the client; it is sent with the stream's default namespace.
  virtual void deliver(const xml::Element& stanza) = 0;
  // Queues a stanza already serialized as deliver() would write it (jabber:client the default
  // namespace): a broadcast serializes once and only addresses each copy.
  virtual void deliver_serialized(std::string stanza) = 0;
  // Ends the stream with a stream error (conflict, system-shutdown, ...).
  virtual void terminate(std::string_view condition, std::string_view text = {}) = 0;

  // XEP-0352: while a filter is set, what deliver() and deliver_serialized() would queue
  // goes to it instead (the element when the sender had one, and always the bytes as the
  // client gets them); it passes stanzas on, now or later, with send_now(). An empty
  // filter removes it. A session that cannot filter (a test double) ignores it.
  using OutboundFilter = std::function<void(const xml::Element* stanza, std::string bytes)>;
  virtual void filter_outbound(OutboundFilter filter) { (void)filter; }
  // Queues serialized stanzas for the client past any filter.
  virtual void send_now(std::string bytes) { deliver_serialized(std::move(bytes)); }
};

class SessionHost {
 public:
  virtual ~SessionHost() = default;
  // Whether domain (normalised) is one of our virtual hosts.
  virtual bool serves(std::string_view domain) const = 0;
  // Binds session to its full JID (session.jid()), replacing an existing session with the
  // same JID (which gets <conflict/>).
  virtual void bind(Session& session) = 0;
  // A stanza from the bound session, with its 'from' already stamped and checked.
  virtual void on_stanza(Session& session, xml::Element stanza) = 0;
  // The session ends (cleanly or not); called once, after bind.
  virtual void unbind(Session& session) = 0;
  // A top-level element of the bound stream that is no stanza; false: nobody handles it.
  virtual bool on_nonza(Session& session, const xml::Element& nonza) {
    (void)session;
    (void)nonza;
    return false;
  }
  // A resumed stream (XEP-0198) takes over `from`'s binding: `to` has the same JID and is
  // bound in its place with the same state (presence, priority), and nothing is told of it
  // (no unbind, no presence). False, and nothing done, when `from` is not bound.
  virtual bool transfer(Session& from, Session& to) {
    (void)from;
    (void)to;
    return false;
  }
  // How many resources of full's account are bound, not counting full itself (which a new
  // bind would replace): the per-account cap on resources.
  virtual std::size_t other_resources(const Jid& full) const {
    (void)full;
    return 0;
  }
};

}  // namespace jabberadmin::stream
