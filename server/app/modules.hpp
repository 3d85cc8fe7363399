// The one list of cl-jabberd's modules (module::Module), in the order they start.
#pragma once

#include <vector>

#include "app/options.hpp"
#include "module/module.hpp"

namespace jabberadmin::app {

std::vector<module::Factory> modules(const Options& options);

}  // namespace jabberadmin::app
