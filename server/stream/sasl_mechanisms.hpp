// The SASL mechanisms a server offers, strongest first: each registered with a factory that
// makes one exchange's Mechanism, filtered by the settings' allow list (sasl_mechanisms).
// A "-PLUS" mechanism (channel binding) is offered only on a transport that can give a
// channel binding; XEP-0440 advertises which types it gives.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "stream/sasl_mechanism.hpp"

namespace jabberadmin::stream::sasl {

// The channel-binding types the server supports, preferred first.
const std::vector<std::string>& channel_binding_types();

class Mechanisms {
 public:
  using Factory = std::function<std::unique_ptr<Mechanism>(const StreamInfo&)>;

  // Registers a mechanism after those already there (so: strongest first). A name ending in
  // "-PLUS" needs channel binding.
  void add(std::string name, Factory factory);
  // Only these names are offered (all registered ones when never called). Unknown names are
  // the caller's to report (known()).
  void allow(std::set<std::string, std::less<>> names) { allowed_ = std::move(names); }
  bool known(std::string_view name) const;

  // The names offered on transport, in order.
  std::vector<std::string> offered(const net::Transport& transport) const;
  // The channel-binding types transport can give (XEP-0440), preferred first.
  static std::vector<std::string> bindings(const net::Transport& transport);
  // The types XEP-0440 advertises on transport: its bindings when a -PLUS mechanism is
  // offered, none otherwise (nothing to bind then, and no <sasl-channel-binding/> sent).
  std::vector<std::string> advertised_bindings(const net::Transport& transport) const;
  // A mechanism for one exchange; nothing when name is not offered on info.transport.
  std::unique_ptr<Mechanism> create(std::string_view name, StreamInfo info) const;

 private:
  struct Entry {
    std::string name;
    Factory factory;
  };
  bool allowed(std::string_view name) const { return !allowed_ || allowed_->contains(name); }
  std::vector<Entry> entries_;
  std::optional<std::set<std::string, std::less<>>> allowed_;
};

}  // namespace jabberadmin::stream::sasl
