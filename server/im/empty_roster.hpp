// Stand-in until the roster module of part 2: clients fetch a roster right after login and
// some treat an error as fatal, so a get returns an empty roster; a set is refused.
#pragma once

#include "router/router.hpp"

namespace jabberadmin::im {
void install_empty_roster(router::Router& router);
}
