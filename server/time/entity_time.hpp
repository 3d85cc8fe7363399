// XEP-0202 entity time: the server answers urn:xmpp:time with its clock in UTC. The server
// keeps no local time zone of its own (its logs, delay stamps and history are UTC), so the
// offset is always +00:00. A request to a user's full JID is routed to that client as any IQ.
#pragma once

#include <chrono>
#include <functional>

#include "module/module.hpp"

namespace jabberadmin::entity_time {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// The answer to a get, or the error for anything else.
router::IqHandler handler(Clock now);

class EntityTime final : public module::Module {
 public:
  explicit EntityTime(module::Context& context);

 private:
  module::Registration handler_;
};

}  // namespace jabberadmin::entity_time
