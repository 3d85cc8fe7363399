#include "upload/slots.hpp"

#include <algorithm>
#include <stdexcept>

namespace jabberadmin::upload {

Refusal check(const Limits& limits, std::uint64_t size, std::uint64_t owner_used, std::uint64_t total_used) {
  if (size > limits.max_file_size) return Refusal::TooLarge;
  // Subtractions, not sums: nothing here can overflow.
  if (limits.quota_per_user != 0 && (owner_used > limits.quota_per_user || size > limits.quota_per_user - owner_used))
    return Refusal::UserQuota;
  if (limits.disk_quota != 0 && (total_used > limits.disk_quota || size > limits.disk_quota - total_used))
    return Refusal::DiskQuota;
  return Refusal::None;
}

void Slots::issue(Slot slot) {
  const std::uint64_t size = slot.size;
  std::string token = slot.token;
  if (!slots_.emplace(std::move(token), std::move(slot)).second) throw std::logic_error("a slot's token issued twice");
  reserved_ += size;
}

const Slot* Slots::find(const std::string& token, Clock::time_point now) const {
  const auto it = slots_.find(token);
  return it == slots_.end() || it->second.expires <= now ? nullptr : &it->second;
}

std::optional<Slot> Slots::take(const std::string& token, Clock::time_point now) {
  const auto it = slots_.find(token);
  if (it == slots_.end()) return std::nullopt;
  Slot slot = std::move(it->second);
  slots_.erase(it);
  reserved_ -= slot.size;
  if (slot.expires <= now) return std::nullopt;
  return slot;
}

std::size_t Slots::expire(Clock::time_point now) {
  std::size_t gone = 0;
  for (auto it = slots_.begin(); it != slots_.end();)
    if (it->second.expires <= now) {
      reserved_ -= it->second.size;
      it = slots_.erase(it);
      ++gone;
    } else {
      ++it;
    }
  return gone;
}

void Slots::drop_owner(const std::string& owner) {
  for (auto it = slots_.begin(); it != slots_.end();)
    if (it->second.owner == owner) {
      reserved_ -= it->second.size;
      it = slots_.erase(it);
    } else {
      ++it;
    }
}

std::size_t Slots::count_of(const std::string& owner) const {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [&](const auto& entry) { return entry.second.owner == owner; }));
}

std::uint64_t Slots::reserved_by(const std::string& owner) const {
  std::uint64_t bytes = 0;
  for (const auto& [token, slot] : slots_)
    if (slot.owner == owner) bytes += slot.size;
  return bytes;
}

}  // namespace jabberadmin::upload
