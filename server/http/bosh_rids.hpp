// XEP-0124 §14's request ids for one BOSH session: requests are processed in rid order, a
// client may run ahead by at most `requests` ids (the rest wait for their turn), and the last
// `requests` answers are kept, so a request repeated after a broken connection gets the very
// answer it missed. Anything else is an error that ends the session (item-not-found).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace jabberadmin::http {

class RidWindow {
 public:
  // first: the session creation request's rid, processed at once.
  RidWindow(std::uint64_t first, std::size_t requests) : next_(first + 1), requests_(requests) {}

  enum class Place {
    InWindow,  // next() or ahead of it within the window: processed in its turn
    Beyond,    // further ahead than the window: item-not-found
    Answered,  // processed and answered, the answer kept: answer_of() it again
    Earlier,   // processed before: still held (a repeat on a new connection), or forgotten
  };
  Place place(std::uint64_t rid) const;

  std::uint64_t next() const noexcept { return next_; }
  void advance() noexcept { ++next_; }
  // An answer as sent, kept while it is among the last `requests`.
  void answered(std::uint64_t rid, std::string body);
  const std::string* answer_of(std::uint64_t rid) const;

 private:
  std::uint64_t next_;
  std::size_t requests_;
  std::deque<std::pair<std::uint64_t, std::string>> answers_;
};

}  // namespace jabberadmin::http
