// The message archive (XEP-0313): every archived message of every archive, each owned by a
// bare JID (an account's; a room's JID can own one the same way), in one SQLite table
// ordered by (stamp, seq): the time it was archived, then the order of arrival. Ids are
// the archive's XEP-0359 stanza-ids, unique per owner. Queries run on the indexes
// (owner, stamp) and (owner, with_bare, stamp), through a handful of statements each
// compiled once (store::Database::prepare keeps them).
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/write_behind.hpp"

namespace jabberadmin::mam {

using TimePoint = std::chrono::system_clock::time_point;

enum class Direction { Incoming = 0, Outgoing = 1 };

struct ArchivedMessage {
  std::string id;       // the archive id (stanza-id)
  TimePoint stamp;      // when it was archived (XEP-0203 delay of the result)
  std::string with;     // the other party's bare JID
  Direction direction;
  std::string stanza;   // the serialized <message/>, as routed
};

// A position in an archive: what an id stands for in the order.
struct Position {
  std::int64_t stamp;  // microseconds since the epoch
  std::int64_t seq;
};

// One page of a query: the conditions are ANDed; after/before bound the order strictly.
struct Selection {
  std::string owner;
  std::string with_bare;       // empty: any
  std::string with_resource;   // empty: any (only with with_bare)
  std::optional<TimePoint> start, end;  // inclusive
  std::optional<Position> after, before;
  std::size_t max = 0;
  bool from_the_end = false;   // the last max items (paging backwards) rather than the first
};

struct Page {
  std::vector<ArchivedMessage> items;  // oldest first
  // The page reaches the end of the selection in its direction: the last item (forwards)
  // or the first one (from the end) is in it (XEP-0313 complete='true').
  bool complete = true;
};

// An account's archiving preferences (XEP-0313 §5).
enum class Policy { Always, Roster, Never };
std::string_view to_string(Policy policy);
std::optional<Policy> policy(std::string_view text);

struct Preferences {
  Policy default_policy = Policy::Always;
  std::vector<std::string> always, never;  // bare JIDs
};

// A new archive id (XEP-0359 stanza-id): 96 random bits, base64url (16 characters): unique,
// and not to be guessed from one another.
std::string new_archive_id();

class ArchiveStore {
 public:
  // Brings the archive's tables up to date (the "mam" component's migrations).
  explicit ArchiveStore(store::Database& db);
  ArchiveStore(const ArchiveStore&) = delete;
  ArchiveStore& operator=(const ArchiveStore&) = delete;

  // From now on appends are written behind on executor (store::WriteBehind): one sync per
  // archived message, twice per chat message, would cap the server's message rate at the
  // disk's sync rate. Every read and removal below writes what waits first, so no query
  // misses a message; a crash loses at most the last kWriteDelay of the archive (offline
  // messages are stored apart, at once). Until this is called (tests, tools) every append is
  // written at once.
  static constexpr std::chrono::milliseconds kWriteDelay = store::kWriteDelay;
  static constexpr std::size_t kWriteBatch = store::kWriteBatch;
  void write_behind(boost::asio::any_io_executor executor);
  // Writes the waiting appends now.
  void flush();

  // Appends one message to owner's archive; id must be new in it.
  void append(std::string_view owner, const ArchivedMessage& message);
  // Where id stands in owner's archive; nothing for an id the archive does not hold.
  std::optional<Position> position(std::string_view owner, std::string_view id);
  Page select(const Selection& selection);

  // Preferences: a stored set, or nothing (the server's default applies).
  std::optional<Preferences> preferences(std::string_view owner);
  void set_preferences(std::string_view owner, const Preferences& preferences);

  // Retention: removes messages archived before cutoff, looking at no more than batch of
  // the oldest rows; how many went. Removing batch means there may be more (call again).
  std::size_t prune(TimePoint cutoff, std::size_t batch);
  // Account removal (module::AccountData): owners holding anything, and removing them.
  std::vector<std::string> owners();
  std::size_t remove_owners(const std::vector<std::string>& owners);
  std::size_t count(std::string_view owner);

 private:
  struct Append {
    std::string owner;
    ArchivedMessage message;
  };
  void insert(const Append& append);

  store::Database& db_;
  store::WriteBehind<Append> appends_;
};

}  // namespace jabberadmin::mam
