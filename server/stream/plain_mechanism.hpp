// SASL PLAIN (RFC 4616) as a Mechanism: the password checked by the Authenticator (an LDAP
// bind), so it works for every account, with or without SCRAM verifiers.
#pragma once

#include <optional>

#include "stream/sasl_mechanism.hpp"
#include "stream/sasl_plain.hpp"

namespace jabberadmin::stream::sasl {

class PlainMechanism final : public Mechanism {
 public:
  PlainMechanism(Authenticator& authenticator, std::string domain)
      : authenticator_(authenticator), domain_(std::move(domain)) {}
  Step step(std::string_view message) override;
  void verify(std::function<void(Verdict)> done) override;
  const std::string& username() const override { return username_; }

 private:
  Authenticator& authenticator_;
  std::string domain_;
  std::string username_;
  std::optional<PlainCredentials> credentials_;  // from the Check until verify(); wiped
};

}  // namespace jabberadmin::stream::sasl
