#include "im/user_data.hpp"

#include <boost/asio/steady_timer.hpp>

#include "im/vcard.hpp"
#include "jabberadmin/jid.hpp"
#include "util/log.hpp"

namespace jabberadmin::im {

void UserData::reopen() {
  if (history_log) history_log->close_all();
}

UserData install_user_data(boost::asio::io_context& io, router::Router& router, const Settings& settings,
                           directory::DirectoryCache& directory, store::Database& database,
                           std::size_t offline_limit_per_user) {
  // Who may be sent messages: the directory's users, on every host we serve, unless
  // locked (a message to a locked account is refused, neither stored nor written to the
  // history: cl-jabberd(8)). Until the first refresh has arrived nobody can be told apart
  // from a stranger: messages are kept rather than refused then.
  const auto exists = [&directory](const Jid& bare) {
    if (!directory.ready()) return true;
    const User* user = directory.find(bare.local);
    return user != nullptr && !user->disabled();
  };
  UserData data;
  offline::OfflineOptions offline_options{.limit_per_user = offline_limit_per_user, .batch_bytes = 64 * 1024};
  // 64 KiB each quarter second: far below what a stream may owe its client (1 MiB), so
  // handing over a full offline store cannot get the connection dropped.
  offline_options.later = [&io](std::function<void()> next) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(250));
    timer->async_wait([timer, next = std::move(next)](const boost::system::error_code& ec) {
      if (!ec) next();
    });
  };
  data.offline = std::make_unique<offline::OfflineMessages>(router, database, exists, std::move(offline_options));
  // A deleted account's stored messages go with the rest of its data (im/account_removal).
  if (settings.jabber.history) {
    data.history_log = std::make_unique<history::HistoryLog>(settings.jabber.history_dir);
    data.history = std::make_unique<history::MessageHistory>(
        router, *data.history_log, exists, [] { return std::chrono::system_clock::now(); },
        settings.jabber.history_bytes_per_day);
    log::info("history: every message between users goes to " + settings.jabber.history_dir.string());
  }
  install_vcard(router, [&directory](const Jid& bare) { return directory.find(bare.local); });
  return data;
}

}  // namespace jabberadmin::im
