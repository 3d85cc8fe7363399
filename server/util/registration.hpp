// What a registration (an observer, a callback) returns: destroying it unregisters, so an
// observer never outlives the object it calls into. Move-only; the registry it came from
// must outlive it.
#pragma once

#include <functional>
#include <utility>

namespace jabberadmin::util {

class [[nodiscard]] Registration {
 public:
  Registration() = default;
  explicit Registration(std::function<void()> unregister) : unregister_(std::move(unregister)) {}
  Registration(Registration&& other) noexcept : unregister_(std::exchange(other.unregister_, nullptr)) {}
  Registration& operator=(Registration&& other) noexcept {
    if (this != &other) {
      reset();
      unregister_ = std::exchange(other.unregister_, nullptr);
    }
    return *this;
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { reset(); }

  // Unregisters now.
  void reset() {
    if (auto unregister = std::exchange(unregister_, nullptr)) unregister();
  }

 private:
  std::function<void()> unregister_;
};

}  // namespace jabberadmin::util
