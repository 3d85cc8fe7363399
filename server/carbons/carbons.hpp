// XEP-0280 Message Carbons: a user's other clients that asked for it get a copy of each
// one-to-one message the user sends or receives, so a conversation reads the same on the
// phone and on the desktop (Conversations, Gajim and Dino turn this on by themselves).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "module/module.hpp"
#include "router/router.hpp"

namespace jabberadmin::carbons {

class Carbons final : public module::Module {
 public:
  // Registers its IQ handler (and so its disco feature) and its message observers.
  explicit Carbons(module::Context& context);

 private:
  void on_request(const stream::Stanza& iq);
  bool anyone_enabled(std::string_view bare) const;  // a resource of bare asked for copies
  void sent(const stream::Stanza& message);
  void received(const stream::Stanza& message, const std::vector<std::string>& reached);
  // Wraps message for each enabled resource of bare other than those in skip.
  void copy(std::string_view wrapper, const Jid& bare, const stream::Stanza& message,
            const std::vector<std::string>& skip);

  router::Router& router_;
  std::set<std::string> enabled_;  // full JIDs that sent <enable/>
  module::Registration server_, account_, sent_, received_, unbound_, bind_inline_;
};

}  // namespace jabberadmin::carbons
