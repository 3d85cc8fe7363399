// An RAII registration: whatever registered something (a hook, an IQ handler, a stream or
// disco feature) holds one of these, and destroying it unregisters. A module keeps its
// registrations as members, so its destructor is its whole teardown.
//
// Movable, not copyable. A registration may outlive the registry it came from (the cancel
// then does nothing: each registry hands out a cancel that checks its own lifetime), but it
// is simpler to declare the registry first and the modules after it.
#pragma once

#include <functional>
#include <utility>

namespace jabberadmin::util {

class [[nodiscard]] Registration {
 public:
  Registration() = default;
  explicit Registration(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Registration(Registration&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Registration& operator=(Registration&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { reset(); }

  // Unregisters now (once); afterwards this holds nothing.
  void reset() noexcept {
    if (auto cancel = std::exchange(cancel_, nullptr)) cancel();
  }
  explicit operator bool() const noexcept { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace jabberadmin::util
