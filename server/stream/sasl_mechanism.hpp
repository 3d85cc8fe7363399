// One SASL mechanism's side of one exchange (RFC 4422), whatever frames it: RFC 6120's
// <auth/>, <challenge/>, <response/>, <success/> (C2s), or XEP-0388's SASL2. The framing
// hands it the client's messages decoded from base64 through a sasl::Exchange, which
// applies the failure limits (by address, by account) alike to every mechanism: a mechanism
// only parses, answers, and checks the credentials when the exchange says so.
//
//   step(message) -> Challenge: bytes for the client; step() again with its answer
//                 -> Check: the credentials are complete; username() names the account;
//                    once the limits allow, verify() checks them, asynchronously
//                 -> Failure / Refusal: the exchange ends
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stream/authenticator.hpp"

namespace jabberadmin::net {
class Transport;
}

namespace jabberadmin::stream::sasl {

// What a mechanism answers to one client message, at once.
struct Step {
  enum class Kind {
    Challenge,  // data goes to the client, whose answer is the next step()
    Check,      // the credentials are complete: verify() when the limits allow
    Failure,    // a protocol error: the exchange ends with condition, no credential checked
    Refusal,    // credentials refused without asking anyone (an empty password): counted
                // as a failure of the address, answered not-authorized
  };
  Kind kind = Kind::Failure;
  std::string data;       // Challenge: raw bytes (the framing encodes them)
  std::string condition;  // Failure: an RFC 6120 §6.5 condition, "malformed-request"...
  std::string text;       // Failure: optional human-readable text
  // Failure: the client may meet it while it looks for a mechanism both sides can use (a
  // channel-binding type we lack): no credential was tried, so the framing does not count
  // it against the stream's attempts.
  bool negotiation = false;

  static Step challenge(std::string data) { return {Kind::Challenge, std::move(data), {}, {}, false}; }
  static Step check() { return {Kind::Check, {}, {}, {}, false}; }
  static Step failure(std::string condition, std::string text = {}) {
    return {Kind::Failure, {}, std::move(condition), std::move(text), false};
  }
  static Step negotiation_failure(std::string condition, std::string text) {
    return {Kind::Failure, {}, std::move(condition), std::move(text), true};
  }
  static Step refusal() { return {Kind::Refusal, {}, "not-authorized", {}, false}; }
};

// The credentials' verdict. NotAuthorized counts as a failure of the address and account.
struct Verdict {
  AuthResult result = AuthResult::NotAuthorized;
  std::string additional;  // Success: data for <success/> (SCRAM's server-final-message)
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  virtual Step step(std::string_view message) = 0;
  // After a Check: checks the credentials. done runs later, never inside this call, on the
  // stream's executor; it may run after the mechanism is gone (a failure still counts), so
  // verify hands on everything done needs instead of leaving it in the mechanism.
  virtual void verify(std::function<void(Verdict)> done) = 0;
  // The account (a normalised localpart) once step() answered Check; empty before.
  virtual const std::string& username() const = 0;
};

// What a mechanism may know of the stream it runs on.
struct StreamInfo {
  std::string domain;                       // the host the client logs in to
  const net::Transport* transport = nullptr;  // channel-binding data (RFC 5929, RFC 9266)
  bool plus_offered = false;                // -PLUS mechanisms were offered on this stream
  // What the stream advertised, for SCRAM's downgrade protection (XEP-0474): the mechanisms
  // offered, and the channel-binding types of XEP-0440 (empty: the stream sent none).
  // Mechanisms::create fills both; empty offered: no list known, no protection attribute.
  std::vector<std::string> offered;
  std::vector<std::string> advertised_bindings;
};

}  // namespace jabberadmin::stream::sasl
