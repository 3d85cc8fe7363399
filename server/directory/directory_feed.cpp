#include "directory/directory_feed.hpp"

#include <boost/asio/post.hpp>

#include <mutex>
#include <vector>

namespace jabberadmin::directory {

// The watch thread appends; one posted drain per burst applies them on the io thread (the
// first refresh of a large directory is one handler, not one per user). The drain holds
// the inbox, not the feed, so one still queued when the feed goes finds no cache and stops.
struct DirectoryFeed::Inbox {
  std::mutex mutex;
  std::vector<DirectoryEvent> events;  // under mutex
  DirectoryCache* cache = nullptr;     // io thread only; null once the feed is gone
};

DirectoryFeed::DirectoryFeed(boost::asio::io_context& io, DirectoryCache& cache, Settings settings,
                             WatchOptions options)
    : inbox_(std::make_shared<Inbox>()) {
  inbox_->cache = &cache;
  watch_ = std::make_unique<DirectoryWatch>(
      std::move(settings),
      [&io, inbox = inbox_](const DirectoryEvent& event) {
        bool first = false;
        {
          const std::lock_guard lock(inbox->mutex);
          first = inbox->events.empty();
          inbox->events.push_back(event);
        }
        if (!first) return;  // a drain is on its way already
        boost::asio::post(io, [inbox] {
          std::vector<DirectoryEvent> events;
          {
            const std::lock_guard lock(inbox->mutex);
            events.swap(inbox->events);
          }
          for (const auto& e : events)
            if (inbox->cache != nullptr) inbox->cache->apply(e);
        });
      },
      options);
}

DirectoryFeed::~DirectoryFeed() {
  watch_.reset();  // joins the watch thread: nothing is appended after this
  inbox_->cache = nullptr;
}

}  // namespace jabberadmin::directory
