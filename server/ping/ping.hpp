// XEP-0199: the server answers pings to itself and on behalf of accounts.
#pragma once

#include "module/module.hpp"

namespace jabberadmin::ping {

class Ping final : public module::Module {
 public:
  explicit Ping(module::Context& context);

 private:
  module::Registration server_, account_;
};

}  // namespace jabberadmin::ping
