// XEP-0199: the server answers pings to itself and on behalf of accounts.
#pragma once

#include "router/router.hpp"

namespace jabberadmin::im {
void install_ping(router::Router& router);
}
