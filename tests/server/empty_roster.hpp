// A test stand-in for the roster module: clients fetch a roster right after login and some
// treat an error as fatal, so a get returns an empty roster; a set is refused.
#pragma once

#include "module/module.hpp"

namespace jabberadmin::test {

class EmptyRoster final : public module::Module {
 public:
  explicit EmptyRoster(module::Context& context);

 private:
  module::Registration handler_;
};

}  // namespace jabberadmin::test
