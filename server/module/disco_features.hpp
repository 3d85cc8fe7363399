// The XEP-0030 features the server and its accounts advertise. Modules register them
// (module::Context::handle_iq does so for each IQ namespace it handles, so a feature is
// advertised exactly while something answers it; disco_feature() for the others); the
// disco module answers disco#info from here.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "router/router.hpp"
#include "util/registration.hpp"

namespace jabberadmin::module {

class DiscoFeatures {
 public:
  // without_handler: why var is advertised although no IQ handler answers it (the
  // msgoffline feature names a behaviour, not a namespace); empty for an IQ namespace.
  util::Registration add(router::IqTarget target, std::string var, std::string without_handler = {});
  // The features of target, sorted, each once.
  std::vector<std::string> of(router::IqTarget target) const;
  // The reason given for a feature without a handler ("" if none was given).
  std::string without_handler(router::IqTarget target, const std::string& var) const;

 private:
  struct Held {
    std::size_t count = 0;  // how many registrations hold it
    std::string without_handler;
  };
  using Counts = std::map<std::pair<router::IqTarget, std::string>, Held>;
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace jabberadmin::module
