// XEP-0030 service discovery: the server's identity and the namespaces that have handlers
// (so a feature is advertised exactly when something answers it), and an account's identity.
#pragma once

#include "router/router.hpp"

namespace jabberadmin::im {
void install_disco(router::Router& router);
}
