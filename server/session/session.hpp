// The RFC 3921 session IQ that old clients still send after binding: nothing to do but
// say yes (RFC 6121 dropped it). Offered as a stream feature after authentication, marked
// optional (RFC 3921bis), so that new clients skip it.
#pragma once

#include "module/module.hpp"

namespace jabberadmin::session {

class LegacySession final : public module::Module {
 public:
  explicit LegacySession(module::Context& context);

 private:
  module::Registration server_, account_, feature_;
};

}  // namespace jabberadmin::session
