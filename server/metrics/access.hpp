// Who may read /metrics: peers inside one of the configured networks (metrics_allow).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/ip_network.hpp"

namespace jabberadmin::metrics {

class Access {
 public:
  // Texts as the settings keep them (checked when read); throws Error for a bad one.
  explicit Access(const std::vector<std::string>& networks);

  // A peer's address as the listener gives it (IPv4-mapped shown as IPv4); "?" and other
  // text that is no address is allowed nowhere.
  bool allows(std::string_view address) const;

 private:
  std::vector<IpNetwork> networks_;
};

}  // namespace jabberadmin::metrics
