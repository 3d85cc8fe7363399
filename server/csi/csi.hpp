// XEP-0352 Client State Indication: a client says <inactive/> when nobody looks at it (a
// phone in a pocket); until it says <active/> again, presence updates and chat states wait
// for it, squashed to the latest of each (HeldStanzas), and what it must see goes at once,
// after what is held. Fewer wake-ups of its radio, the same conversation in the end.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "csi/held_stanzas.hpp"
#include "module/module.hpp"

namespace jabberadmin::csi {

// Held stanzas per inactive client at most; one more and all go out.
inline constexpr std::size_t kMaxHeld = 100;

class Csi final : public module::Module {
 public:
  // Offers the stream feature and takes <active/> and <inactive/>.
  explicit Csi(module::Context& context, std::size_t max_held = kMaxHeld);
  ~Csi() override;  // the clients it filters stop being filtered

 private:
  struct Client;
  void on_nonza(stream::Session& session, const xml::Element& nonza);
  void inactive(stream::Session& session);
  void active(stream::Session& session);

  router::Router& router_;
  std::size_t max_held_;
  std::map<std::string, std::shared_ptr<Client>> inactive_;  // by full JID
  module::Registration feature_, nonzas_, unbound_, bind_inline_;
};

}  // namespace jabberadmin::csi
