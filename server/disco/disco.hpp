// XEP-0030 service discovery: the server's identity and the features the modules registered
// (module::DiscoFeatures: each IQ namespace with a handler, so a feature is advertised
// exactly when something answers it), and an account's identity.
#pragma once

#include "module/module.hpp"

namespace jabberadmin::disco {

class Disco final : public module::Module {
 public:
  explicit Disco(module::Context& context);

 private:
  void info(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const;
  void items(router::Router& router, const stream::Stanza& iq, router::IqTarget target) const;

  const module::DiscoFeatures& features_;
  std::vector<module::Registration> handlers_;
};

}  // namespace jabberadmin::disco
