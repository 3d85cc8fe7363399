#include "sm/unacked_queue.hpp"

#include <utility>

namespace jabberadmin::sm {

bool UnackedQueue::push(std::string stanza) {
  bytes_ += stanza.size();
  pending_.push_back(std::move(stanza));
  sent_.increment();
  return !over_limit();
}

bool UnackedQueue::over_limit() const noexcept {
  return (limits_.stanzas != 0 && pending_.size() > limits_.stanzas) ||
         (limits_.bytes != 0 && bytes_ > limits_.bytes);
}

bool UnackedQueue::acknowledge(std::uint32_t h) {
  // Both differences modulo 2^32: how many h confirms anew, and how many are outstanding.
  const std::uint32_t confirmed = h - acked_;
  if (confirmed > static_cast<std::uint32_t>(pending_.size())) return false;
  for (std::uint32_t i = 0; i < confirmed; ++i) {
    bytes_ -= pending_.front().size();
    pending_.pop_front();
  }
  acked_ = h;
  return true;
}

std::deque<std::string> UnackedQueue::take() {
  bytes_ = 0;
  return std::exchange(pending_, {});
}

}  // namespace jabberadmin::sm
