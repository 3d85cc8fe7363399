// XEP-0045 Multi-User Chat: the service on <muc_service>.<host> for each served host
// (jabberadmin.conf(5); "conference" by default, "" for none). The router hands it every
// stanza to those domains (Router::serve_domain); the hosts list it in their disco#items.
#pragma once

#include <memory>
#include <vector>

#include "module/module.hpp"
#include "muc/muc_service.hpp"
#include "muc/room_store.hpp"

namespace jabberadmin::muc {

class Muc final : public module::Module {
 public:
  explicit Muc(module::Context& context);
  // Without settings (unit tests): the service on conference.<host> with these options.
  Muc(module::Context& context, std::string subdomain, MucOptions options);

  // The service, for code that manages rooms; null when MUC is off.
  MucService* service() noexcept { return service_.get(); }

 private:
  std::unique_ptr<RoomStore> store_;
  std::unique_ptr<MucService> service_;
  std::vector<module::Registration> domains_;
  module::Registration unbind_, items_, kept_;
};

}  // namespace jabberadmin::muc
