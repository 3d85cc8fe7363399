#include "history/history.hpp"

#include "util/log.hpp"

namespace jabberadmin::history {

History::History(module::Context& context) : Module("history") {
  const JabberSettings& j = context.settings().jabber;
  if (!j.history) return;
  log_ = std::make_unique<HistoryLog>(j.history_dir);
  history_ = std::make_unique<MessageHistory>(
      context.router(), *log_, module::message_recipients(context.directory()),
      [] { return std::chrono::system_clock::now(); }, j.history_bytes_per_day);
  log::info("history: every message between users goes to " + j.history_dir.string());
}

void History::reload() {
  if (log_) log_->close_all();
}

}  // namespace jabberadmin::history
