#include "app/sasl.hpp"

#include "stream/plain_mechanism.hpp"

namespace jabberadmin::app {

stream::sasl::Mechanisms sasl_mechanisms(const SaslSetup& setup) {
  stream::sasl::Mechanisms m;
  // PLAIN last: the password itself crosses the (TLS) stream, and the directory binds with it.
  m.add("PLAIN", [&authenticator = setup.authenticator](const stream::sasl::StreamInfo& info) {
    return std::make_unique<stream::sasl::PlainMechanism>(authenticator, info.domain);
  });
  if (!setup.allowed.empty()) m.allow({setup.allowed.begin(), setup.allowed.end()});
  return m;
}

}  // namespace jabberadmin::app
