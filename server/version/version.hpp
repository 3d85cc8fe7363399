// XEP-0092 software version of the server.
#pragma once

#include <string>

#include "module/module.hpp"

namespace jabberadmin::version {

class Version final : public module::Module {
 public:
  // Answers with cl-jabberd and the version it was built as.
  explicit Version(module::Context& context);
  Version(module::Context& context, std::string name, std::string version);

 private:
  module::Registration handler_;
};

}  // namespace jabberadmin::version
