// XEP-0215 External Service Discovery (urn:xmpp:extdisco:2): the server tells its own users
// where the calls' STUN and TURN relay is (the coturn `cl-setup jabber --turn on` configured,
// cl-jabberd(8) "CALLS"), and hands each TURN entry short-lived credentials made from the
// shared secret in turn_secret_file (turn_credentials.hpp). Only local accounts are answered:
// a relay is bandwidth, and a stranger's credentials would be a free proxy.
//
// Served: STUN on UDP, TURN on UDP and TCP at turn_port, TURN over TLS ("turns") at
// turn_tls_port. The secret is read at start and again on SIGHUP (cl-jabberctl reload); while
// it cannot be read, TURN is left out of the answers (STUN needs none) and the log says why.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "extdisco/turn_credentials.hpp"
#include "jabberadmin/turn_setup.hpp"
#include "module/module.hpp"

namespace jabberadmin::extdisco {

using Service = setup::TurnService;

class ExternalServices final : public module::Module {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit ExternalServices(module::Context& context);
  // Tests: these services and secret file, this clock.
  ExternalServices(module::Context& context, std::vector<Service> services, std::filesystem::path secret_file,
                   std::chrono::seconds lifetime, Clock now);

  void reload() override;

 private:
  void handle(router::Router& r, const stream::Stanza& iq);
  // The <service/> element for s, with the credentials when it is restricted (one answer's
  // entries share them: one HMAC per request).
  static xml::Element describe(const Service& s, const std::optional<TurnCredentials>& credentials);
  bool usable(const Service& s) const { return !s.restricted || secret_.has_value(); }

  std::vector<Service> services_;
  std::filesystem::path secret_file_;
  std::chrono::seconds lifetime_{86400};
  Clock now_;
  std::optional<std::string> secret_;
  module::Registration handler_;
};

}  // namespace jabberadmin::extdisco
