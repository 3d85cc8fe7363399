// What the server keeps and serves for each user beyond presence and rosters: offline
// messages (SQLite), the history log (when `history` is on), and vCards from the
// directory. Installed into the router in one call; the server keeps the result.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>

#include "history/history_log.hpp"
#include "history/message_history.hpp"
#include "directory/directory_cache.hpp"
#include "jabberadmin/settings.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "offline/offline_messages.hpp"

namespace jabberadmin::im {

struct UserData {
  std::unique_ptr<offline::OfflineMessages> offline;
  std::unique_ptr<history::HistoryLog> history_log;      // null when history is off
  std::unique_ptr<history::MessageHistory> history;
  // SIGHUP: closes the history files (logrotate may have moved them).
  void reopen();
};

// settings, directory and database must outlive the result, and the result the router's
// use of it.
// io runs the paced hand-over of offline messages.
UserData install_user_data(boost::asio::io_context& io, router::Router& router, const Settings& settings,
                           directory::DirectoryCache& directory, store::Database& database,
                           std::size_t offline_limit_per_user = 1000);

}  // namespace jabberadmin::im
