#include "app/sasl.hpp"

#include "auth/scram_accounts.hpp"
#include "stream/plain_mechanism.hpp"

namespace jabberadmin::app {

stream::sasl::Mechanisms sasl_mechanisms(const SaslSetup& setup) {
  stream::sasl::Mechanisms m;
  for (const scram::Hash hash : scram::all_hashes()) {
    for (const bool plus : {true, false}) {
      auth::ScramOptions options;
      options.hash = hash;
      options.plus = plus;
      options.secret = setup.secret;
      options.lookup = [&directory = setup.directory](const std::string& name, scram::Hash h) {
        return auth::scram_account(directory, name, h);
      };
      std::string name(scram::mechanism_name(hash));
      if (plus) name += "-PLUS";
      m.add(name, [executor = setup.executor, options](const stream::sasl::StreamInfo& info) {
        return std::make_unique<auth::ScramMechanism>(executor, options, info);
      });
    }
  }
  // PLAIN last: the password itself crosses the (TLS) stream, and the directory binds with it.
  m.add("PLAIN", [&authenticator = setup.authenticator](const stream::sasl::StreamInfo& info) {
    return std::make_unique<stream::sasl::PlainMechanism>(authenticator, info.domain);
  });
  if (!setup.allowed.empty()) m.allow({setup.allowed.begin(), setup.allowed.end()});
  return m;
}

}  // namespace jabberadmin::app
