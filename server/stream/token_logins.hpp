// FAST (XEP-0484) as a client stream sees it: logins with a token, offered inside SASL2
// (XEP-0388). The tokens live in a module (server/fast), which registers this interface
// with StreamFeatures::token_logins; C2s asks it for the mechanisms to offer, for a
// mechanism when a client logs in with a token, and for a new token when one asks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stream/sasl_mechanism.hpp"

namespace jabberadmin::net {
class Transport;
}

namespace jabberadmin::stream {

// A token for the client's <success/>: <token xmlns='urn:xmpp:fast:0' token= expiry=/>.
struct LoginToken {
  std::string token;
  std::string expiry;  // XEP-0082 DateTime, UTC
};

class TokenLogins {
 public:
  virtual ~TokenLogins() = default;
  // The HT mechanisms transport can carry (their channel binding), preferred first.
  virtual std::vector<std::string> mechanisms(const net::Transport& transport) const = 0;
  // One login with a token of client (SASL2's user-agent id); nothing for a name not
  // offered. rotated hears of the next token when the one used is past half its life.
  virtual std::unique_ptr<sasl::Mechanism> login(std::string_view mechanism, std::string client,
                                                 const net::Transport& transport,
                                                 std::function<void(LoginToken)> rotated) = 0;
  // A new token for account's client, bound to mechanism; nothing when none may be issued.
  virtual std::optional<LoginToken> issue(const std::string& account, const std::string& client,
                                          std::string_view mechanism) = 0;
  // <fast invalidate='true'/>: the client's tokens go.
  virtual void invalidate(const std::string& account, const std::string& client) = 0;
};

}  // namespace jabberadmin::stream
