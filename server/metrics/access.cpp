#include "metrics/access.hpp"

#include <algorithm>

namespace jabberadmin::metrics {

Access::Access(const std::vector<std::string>& networks) {
  for (const auto& text : networks) networks_.push_back(IpNetwork::parse(text));
}

bool Access::allows(std::string_view address) const {
  return std::any_of(networks_.begin(), networks_.end(), [&](const IpNetwork& n) { return n.contains(address); });
}

}  // namespace jabberadmin::metrics
