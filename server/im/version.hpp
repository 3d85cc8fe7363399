// XEP-0092 software version of the server.
#pragma once

#include <string>

#include "router/router.hpp"

namespace jabberadmin::im {
void install_version(router::Router& router, std::string name, std::string version);
}
