// Keeps a DirectoryCache filled from LDAP: a DirectoryWatch (RFC 4533 sync with syncprov,
// or polling) on its own thread, its events handed to the io_context's thread in order.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>

#include "directory/directory_cache.hpp"
#include "jabberadmin/directory_watch.hpp"
#include "jabberadmin/settings.hpp"

namespace jabberadmin::directory {

class DirectoryFeed {
 public:
  // Starts following the directory at once; cache must outlive the feed.
  DirectoryFeed(boost::asio::io_context& io, DirectoryCache& cache, Settings settings, WatchOptions options = {});
  ~DirectoryFeed();  // stops the watch; nothing reaches the cache after this
  DirectoryFeed(const DirectoryFeed&) = delete;
  DirectoryFeed& operator=(const DirectoryFeed&) = delete;

 private:
  struct Inbox;  // events on their way from the watch thread, shared with what is posted
  std::shared_ptr<Inbox> inbox_;
  std::unique_ptr<DirectoryWatch> watch_;
};

}  // namespace jabberadmin::directory
