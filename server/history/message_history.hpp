// Feeds the history log from the router: every message with a body that a local user
// sends to a local user (chat, normal or headline; delivered, stored offline or bounced)
// becomes a '>' line in the sender's file and a '<' line in the recipient's. Errors,
// groupchat, bodiless messages (chat states, receipts) and messages to the server or to
// addresses that name no account are not history.
#pragma once

#include <chrono>
#include <functional>

#include "history/history_log.hpp"
#include "jabberadmin/jid.hpp"
#include "router/router.hpp"
#include "xml/element.hpp"

namespace jabberadmin::history {

using AccountExists = std::function<bool(const Jid& bare)>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

class MessageHistory {
 public:
  // Registers with router; router, log and exists must outlive it.
  MessageHistory(router::Router& router, HistoryLog& log, AccountExists exists,
                 Clock now = [] { return std::chrono::system_clock::now(); });

  void record(const xml::Element& message);

 private:
  router::Router& router_;
  HistoryLog& log_;
  AccountExists exists_;
  Clock now_;
};

}  // namespace jabberadmin::history
