// The RFC 3921 session IQ that old clients still send after binding: nothing to do but
// say yes (RFC 6121 dropped it; the stream feature says it is optional).
#pragma once

#include "router/router.hpp"

namespace jabberadmin::im {
void install_legacy_session(router::Router& router);
}
