#include "stream/plain_mechanism.hpp"

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"

namespace jabberadmin::stream::sasl {

Step PlainMechanism::step(std::string_view message) {
  if (credentials_) return Step::failure("malformed-request");  // one message only
  auto parsed = parse_plain_message(message);
  if (!parsed) return Step::failure("malformed-request");
  std::string name;
  try {
    name = normalize_localpart(parsed->authcid);
  } catch (const Error&) {
    return Step::failure("not-authorized");
  }
  if (!parsed->authzid.empty()) {
    const auto authz = Jid::parse(parsed->authzid);
    if (!authz || authz->local != name || authz->domain != domain_ || !authz->resource.empty())
      return Step::failure("invalid-authzid");
  }
  username_ = std::move(name);
  if (parsed->password.empty()) return Step::refusal();
  credentials_ = std::move(parsed);
  return Step::check();
}

void PlainMechanism::verify(std::function<void(Verdict)> done) {
  std::string password = std::move(credentials_->password);
  credentials_.reset();
  authenticator_.check(username_, std::move(password),
                       [done = std::move(done)](AuthResult result) { done(Verdict{result, {}}); });
}

}  // namespace jabberadmin::stream::sasl
