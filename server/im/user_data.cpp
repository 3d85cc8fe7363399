#include "im/user_data.hpp"

#include "im/vcard.hpp"
#include "util/log.hpp"

namespace jabberadmin::im {

void UserData::reopen() {
  if (history_log) history_log->close_all();
}

UserData install_user_data(router::Router& router, const Settings& settings, directory::DirectoryCache& directory,
                           store::Database& database, std::size_t offline_limit_per_user) {
  // Accounts are the directory's users, on every host we serve. Until the first refresh
  // has arrived nobody can be told apart from a stranger: messages are kept rather than
  // refused then.
  const auto exists = [&directory](const Jid& bare) {
    return !directory.ready() || directory.find(bare.local) != nullptr;
  };
  UserData data;
  data.offline = std::make_unique<offline::OfflineMessages>(
      router, database, exists, offline::OfflineOptions{.limit_per_user = offline_limit_per_user});
  if (settings.jabber.history) {
    data.history_log = std::make_unique<history::HistoryLog>(settings.jabber.history_dir);
    data.history = std::make_unique<history::MessageHistory>(router, *data.history_log, exists);
    log::info("history: every message between users goes to " + settings.jabber.history_dir.string());
  }
  install_vcard(router, [&directory](const Jid& bare) { return directory.find(bare.local); });
  return data;
}

}  // namespace jabberadmin::im
