// A client stream as the layers above see it once it has a bound resource, and what the
// stream asks of those layers (implemented by the router).
#pragma once

#include <cstddef>
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
