// The sending half of XEP-0198's counting: every stanza written to the client after
// <enabled/> is kept, serialized, until the client's <a h='…'/> says it handled it. h counts
// stanzas only (never nonzas) and wraps at 2^32 (XEP-0198 §4), so all arithmetic on it is
// unsigned 32-bit; an h is valid when it lies between the last acknowledged count and the
// sent count, wrap included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jabberadmin/settings.hpp"

namespace jabberadmin::sm {

// A count as a client writes it in 'h' (and 'max'): decimal digits of an unsigned 32-bit
// number, nothing else; nothing when the text is not one.
std::optional<std::uint32_t> parse_h(std::string_view text);

// h for what one side has handled: stanzas, modulo 2^32.
class Counter {
 public:
  explicit Counter(std::uint32_t start = 0) : value_(start) {}
  void increment() noexcept { ++value_; }
  std::uint32_t value() const noexcept { return value_; }

 private:
  std::uint32_t value_ = 0;
};

// The defaults are the settings' (sm_max_unacked_stanzas and _bytes).
struct QueueLimits {
  std::size_t stanzas = JabberSettings{}.sm_max_unacked_stanzas;  // 0: no limit
  std::size_t bytes = JabberSettings{}.sm_max_unacked_bytes;       // 0: no limit
};

class UnackedQueue {
 public:
  // Counting starts at start (0 on a stream; tests start near 2^32 to see it wrap).
  explicit UnackedQueue(QueueLimits limits = {}, std::uint32_t start = 0)
      : limits_(limits), sent_(start), acked_(start) {}

  // Keeps one sent stanza. False when the queue is now over a limit (the stanza is kept all
  // the same: the caller ends the stream, and everything kept is routed again).
  bool push(std::string stanza);
  // The client's h. False, nothing changed, when it acknowledges more than was sent.
  bool acknowledge(std::uint32_t h);

  std::uint32_t sent() const noexcept { return sent_.value(); }   // h of everything written
  std::uint32_t acked() const noexcept { return acked_; }         // the last valid h
  std::size_t size() const noexcept { return pending_ ? pending_->size() : 0; }
  std::size_t bytes() const noexcept { return bytes_; }
  bool over_limit() const noexcept;
  // Oldest first: what a resumed stream writes again, or what is routed when the session ends.
  const std::deque<std::string>& pending() const noexcept;
  std::deque<std::string> take();

 private:
  QueueLimits limits_;
  Counter sent_;
  std::uint32_t acked_ = 0;
  std::size_t bytes_ = 0;
  // Made at the first stanza and dropped when all is acknowledged: an idle session holds no
  // deque (an empty std::deque still keeps a 512-byte block).
  std::unique_ptr<std::deque<std::string>> pending_;
};

}  // namespace jabberadmin::sm
