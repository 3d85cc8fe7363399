// Feeds the history log from the router: every message with a body that a local user
// sends to a local user (chat, normal or headline; delivered, stored offline or bounced)
// becomes a '>' line in the sender's file and a '<' line in the recipient's. Errors,
// groupchat, bodiless messages (chat states, receipts) and messages to the server or to
// addresses that name no account are not history.
//
// Quota: the lines a user's messages write (in both files) count against that sender's
// bytes_per_day (UTC day). What it wrote before a restart is read back from its file for the
// day at its first message, so a restart gives no new quota. Beyond it the messages are
// still delivered but not logged, and the server log says so once per user and day (and
// once more after a restart).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "history/history_log.hpp"
#include "jabberadmin/jid.hpp"
#include "router/router.hpp"
#include "util/registration.hpp"
#include "xml/element.hpp"

namespace jabberadmin::history {

using AccountExists = std::function<bool(const Jid& bare)>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

class MessageHistory {
 public:
  // Registers with router; router, log and exists must outlive it.
  MessageHistory(router::Router& router, HistoryLog& log, AccountExists exists,
                 Clock now = [] { return std::chrono::system_clock::now(); }, std::size_t bytes_per_day = 0);

  // A message a local client sent (the router's on_client_message).
  void record(const stream::Stanza& message);

 private:
  // Charges bytes to sender's quota for the day of when; false when they do not fit.
  bool charge(const std::string& sender, std::chrono::system_clock::time_point when, std::size_t bytes);

  router::Router& router_;
  HistoryLog& log_;
  AccountExists exists_;
  Clock now_;
  std::size_t bytes_per_day_;  // 0 = no quota
  std::int64_t day_ = -1;      // the UTC day the counts are for
  std::map<std::string, std::size_t, std::less<>> written_today_;  // sender -> bytes
  util::Registration observer_;
};

}  // namespace jabberadmin::history
