// The history module: when the settings' `history` is on, every message between users goes
// to the history log (MessageHistory, HistoryLog); off, it registers nothing.
#pragma once

#include <memory>

#include "history/history_log.hpp"
#include "history/message_history.hpp"
#include "module/module.hpp"

namespace jabberadmin::history {

class History final : public module::Module {
 public:
  explicit History(module::Context& context);
  // SIGHUP: closes the history files (logrotate may have moved them).
  void reload() override;

 private:
  std::unique_ptr<HistoryLog> log_;  // null when history is off
  std::unique_ptr<MessageHistory> history_;
};

}  // namespace jabberadmin::history
