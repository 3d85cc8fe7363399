// A list of callbacks that registrations add and remove (util::Registration). Calling the
// list calls each callback in the order they were added.
//
// Safe against change while it runs: a callback may add callbacks (they are not called this
// time) and may destroy any registration, its own included (a module torn down from inside
// one of its hooks): a removed callback that has not been reached yet is not called, and
// the running one stays alive until it returns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "util/registration.hpp"

namespace jabberadmin::util {

template <class... Args>
class Hooks {
 public:
  using Callback = std::function<void(Args...)>;

  Registration add(Callback callback) {
    const std::uint64_t id = state_->next++;
    state_->callbacks.emplace(id, std::make_shared<Callback>(std::move(callback)));
    return Registration([state = std::weak_ptr<State>(state_), id] {
      if (auto s = state.lock()) s->callbacks.erase(id);
    });
  }

  bool empty() const noexcept { return state_->callbacks.empty(); }
  std::size_t size() const noexcept { return state_->callbacks.size(); }

  // Arguments are passed on as lvalues to every callback in turn.
  void operator()(Args... args) const {
    const auto state = state_;  // a callback may destroy the owner of this list
    const std::uint64_t end = state->next;  // added while running: next time
    auto it = state->callbacks.begin();
    while (it != state->callbacks.end() && it->first < end) {
      const std::uint64_t id = it->first;
      const std::shared_ptr<Callback> callback = it->second;  // alive while it runs
      (*callback)(args...);
      it = state->callbacks.upper_bound(id);  // the map may have changed meanwhile
    }
  }

 private:
  struct State {
    std::map<std::uint64_t, std::shared_ptr<Callback>> callbacks;
    std::uint64_t next = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// One callback at most: a hook that decides (who handles presence, where an undeliverable
// message goes) rather than observes. A second registration while one is held is a
// programming error (std::logic_error naming the hook). The same safety as Hooks while it
// runs.
template <class... Args>
class Single {
 public:
  using Callback = std::function<void(Args...)>;

  explicit Single(const char* name) : name_(name) {}

  Registration set(Callback callback) {
    if (state_->callback) throw std::logic_error(std::string("two handlers for ") + name_);
    state_->callback = std::make_shared<Callback>(std::move(callback));
    const std::uint64_t generation = ++state_->generation;
    return Registration([state = std::weak_ptr<State>(state_), generation] {
      if (auto s = state.lock(); s && s->generation == generation) s->callback.reset();
    });
  }

  explicit operator bool() const noexcept { return static_cast<bool>(state_->callback); }

  void operator()(Args... args) const {
    const auto state = state_;
    if (const std::shared_ptr<Callback> callback = state->callback) (*callback)(args...);
  }

 private:
  struct State {
    std::shared_ptr<Callback> callback;
    std::uint64_t generation = 0;  // tells a handler from a later one in the same slot
  };
  const char* name_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Callbacks that each may stop something (a stanza on its way: XEP-0191 blocking): calling
// the list asks them in the order they were added and answers false at the first that
// does; the rest are not asked. Built on Hooks, with its safety while it runs.
template <class... Args>
class Filters {
 public:
  using Callback = std::function<bool(Args...)>;

  Registration add(Callback callback) {
    return hooks_.add([callback = std::move(callback)](Args... args, bool& pass) {
      if (pass) pass = callback(args...);
    });
  }

  bool empty() const noexcept { return hooks_.empty(); }

  // True when every filter let it pass.
  bool operator()(Args... args) const {
    bool pass = true;
    hooks_(args..., pass);
    return pass;
  }

 private:
  Hooks<Args..., bool&> hooks_;
};

}  // namespace jabberadmin::util
