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
  util::Registration add(router::IqTarget target, std::string var);
  // The features of target, sorted, each once.
  std::vector<std::string> of(router::IqTarget target) const;

 private:
  // (target, var) -> how many registrations hold it.
  using Counts = std::map<std::pair<router::IqTarget, std::string>, std::size_t>;
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace jabberadmin::module
