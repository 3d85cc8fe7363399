#include "sm/unacked_queue.hpp"

#include <charconv>
#include <utility>

namespace jabberadmin::sm {

std::optional<std::uint32_t> parse_h(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool UnackedQueue::push(std::string stanza) {
  bytes_ += stanza.size();
  if (!pending_) pending_ = std::make_unique<std::deque<std::string>>();
  pending_->push_back(std::move(stanza));
  sent_.increment();
  return !over_limit();
}

bool UnackedQueue::over_limit() const noexcept {
  return (limits_.stanzas != 0 && size() > limits_.stanzas) ||
         (limits_.bytes != 0 && bytes_ > limits_.bytes);
}

bool UnackedQueue::acknowledge(std::uint32_t h) {
  // Both differences modulo 2^32: how many h confirms anew, and how many are outstanding.
  const std::uint32_t confirmed = h - acked_;
  if (confirmed > static_cast<std::uint32_t>(size())) return false;
  for (std::uint32_t i = 0; i < confirmed; ++i) {
    bytes_ -= pending_->front().size();
    pending_->pop_front();
  }
  acked_ = h;
  if (size() == 0) pending_.reset();
  return true;
}

const std::deque<std::string>& UnackedQueue::pending() const noexcept {
  static const std::deque<std::string> none;
  return pending_ ? *pending_ : none;
}

std::deque<std::string> UnackedQueue::take() {
  bytes_ = 0;
  const auto taken = std::exchange(pending_, nullptr);
  return taken ? std::move(*taken) : std::deque<std::string>();
}

}  // namespace jabberadmin::sm
