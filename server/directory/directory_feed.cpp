#include "directory/directory_feed.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "metrics/server_metrics.hpp"

namespace jabberadmin::directory {
namespace {

// The sync's health for /metrics: how long a change waited for the io thread, and the
// outages (the watch announces each once, however often it retries meanwhile).
void measure(const DirectoryEvent& event, std::chrono::steady_clock::time_point came) {
  auto& m = metrics::server_metrics();
  switch (event.kind) {
    case DirectoryEvent::Kind::Changed:
    case DirectoryEvent::Kind::Deleted:
      m.directory_event_delay.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - came).count());
      break;
    case DirectoryEvent::Kind::Refreshed:
      m.directory_connected.set(1);
      break;
    case DirectoryEvent::Kind::Lost:
      m.directory_lost.inc();
      m.directory_connected.set(0);
      break;
    case DirectoryEvent::Kind::Restored:
      m.directory_reconnects.inc();
      break;
    case DirectoryEvent::Kind::RefreshStarted:
      break;
  }
}

}  // namespace

// The watch thread appends; one posted drain per burst applies them on the io thread (the
// first refresh of a large directory is one handler, not one per user). The drain holds
// the inbox, not the feed, so one still queued when the feed goes finds no cache and stops.
struct DirectoryFeed::Inbox {
  using Clock = std::chrono::steady_clock;
  std::mutex mutex;
  std::vector<std::pair<DirectoryEvent, Clock::time_point>> events;  // under mutex; when each came
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
          inbox->events.emplace_back(event, Inbox::Clock::now());
        }
        if (!first) return;  // a drain is on its way already
        boost::asio::post(io, [inbox] {
          std::vector<std::pair<DirectoryEvent, Inbox::Clock::time_point>> events;
          {
            const std::lock_guard lock(inbox->mutex);
            events.swap(inbox->events);
          }
          for (const auto& [e, came] : events) {
            if (inbox->cache == nullptr) return;
            inbox->cache->apply(e);
            measure(e, came);
          }
        });
      },
      options);
}

DirectoryFeed::~DirectoryFeed() {
  watch_.reset();  // joins the watch thread: nothing is appended after this
  inbox_->cache = nullptr;
}

}  // namespace jabberadmin::directory
