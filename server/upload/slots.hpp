// Upload slots (XEP-0363 §4): issued on request within the limits, each good for one PUT of
// exactly its size within a few minutes, and reserving that size from the owner's quota and
// the disk's while it waits, so that parallel requests cannot overrun either.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace jabberadmin::upload {

using Clock = std::chrono::system_clock;

struct Limits {
  std::uint64_t max_file_size = 10 << 20;  // bytes of one file
  std::uint64_t quota_per_user = 0;        // bytes an account may have stored (0: no limit)
  std::uint64_t disk_quota = 0;            // bytes of all accounts together (0: no limit)
  std::chrono::seconds slot_lifetime{300};  // an unused slot's life
  std::chrono::seconds file_lifetime{0};    // a stored file's life (0: for ever)
  std::uint64_t rate_limit = 0;             // bytes per second of one PUT (0: no limit)
};

struct Slot {
  std::string token;         // new_token(): the URL's secret
  std::string owner;         // the requesting account's bare JID
  std::string file_name;     // sanitized
  std::string content_type;  // normalized; empty when the request declared none
  std::uint64_t size = 0;
  Clock::time_point expires;
};

enum class Refusal { None, TooLarge, UserQuota, DiskQuota };
// Whether a file of size fits, the owner using owner_used bytes (stored and reserved) and
// everyone total_used.
Refusal check(const Limits& limits, std::uint64_t size, std::uint64_t owner_used, std::uint64_t total_used);

class Slots {
 public:
  void issue(Slot slot);
  // The slot of token, unexpired at now, or null.
  const Slot* find(const std::string& token, Clock::time_point now) const;
  // Removes and returns it (a PUT uses its slot whatever the outcome: one try per slot).
  std::optional<Slot> take(const std::string& token, Clock::time_point now);
  // Forgets the slots expired at now; how many went.
  std::size_t expire(Clock::time_point now);
  // Forgets an account's slots (the account was removed).
  void drop_owner(const std::string& owner);
  std::uint64_t reserved_by(const std::string& owner) const;
  std::size_t count_of(const std::string& owner) const;
  std::uint64_t reserved() const noexcept { return reserved_; }
  std::size_t size() const noexcept { return slots_.size(); }

 private:
  std::map<std::string, Slot> slots_;
  std::uint64_t reserved_ = 0;
};

}  // namespace jabberadmin::upload
