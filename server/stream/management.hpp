// Stream management (XEP-0198) as a client stream sees it. The protocol lives in a module
// (server/sm); C2s only calls it at the few points it needs:
//
//   - an element in urn:xmpp:sm:3 once the client is authenticated (<enable/>, <resume/>,
//     <r/>, <a/>) goes to Management::on_element;
//   - once management is enabled the stream owns a Managed, and tells it of every stanza it
//     receives and every stanza it writes (the unacknowledged queue), a connection lost without </stream> (detach: the session stays bound, its stanzas
//     queued, until it is resumed or its window closes) and the session's end (unbound:
//     what the client never acknowledged is routed again, XEP-0198 §4).
#pragma once

#include <string>

#include "xml/element.hpp"

namespace jabberadmin::stream {

class C2s;

// One stream's management state, owned by the stream (moved to the stream that resumes it).
class Managed {
 public:
  virtual ~Managed() = default;
  virtual void received() = 0;                     // a stanza from the client
  virtual void sent(std::string stanza) = 0;  // a stanza to the client, serialized, after it was written
  // The connection is gone without </stream>: true keeps the session (bound, detached).
  virtual bool detach() = 0;
  // The session has left the router (any reason, after a detach too).
  virtual void ended() = 0;
  // A resumption moved this state to `stream`.
  virtual void moved(C2s& stream) = 0;
};

// The server's stream management handler, which a module registers with StreamFeatures.
class Management {
 public:
  virtual ~Management() = default;
  // An element in urn:xmpp:sm:3 from an authenticated client (bound or not).
  virtual void on_element(C2s& stream, const xml::Element& element) = 0;
};

}  // namespace jabberadmin::stream
