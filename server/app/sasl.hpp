// The SASL mechanisms cl-jabberd offers, strongest first: SCRAM-SHA-512, -256, -1, each
// with channel binding (-PLUS) before without, checked against the directory's verifiers;
// then PLAIN, checked by an LDAP bind (the accounts without verifiers). The settings' allow
// list (jabberadmin.conf sasl_mechanisms) may leave out any of them.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

#include "directory/directory_cache.hpp"
#include "stream/authenticator.hpp"
#include "stream/sasl_mechanisms.hpp"

namespace jabberadmin::app {

struct SaslSetup {
  boost::asio::any_io_executor executor;
  stream::Authenticator& authenticator;
  const directory::DirectoryCache& directory;
  std::string secret;             // for the fake salts (auth::scram_secret)
  std::vector<std::string> allowed;  // empty: all
};

stream::sasl::Mechanisms sasl_mechanisms(const SaslSetup& setup);

}  // namespace jabberadmin::app
