// Federation (RFC 6120 server-to-server links, XEP-0220 dialback, SASL EXTERNAL), with
// s2s on: listens on s2s_port, routes stanzas for remote domains through outbound links
// (the router's route_remote hook) and delivers what authenticated inbound links bring.
// With s2s off it registers nothing: remote addresses bounce with remote-server-not-found.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <vector>

#include "module/module.hpp"
#include "s2s/links.hpp"

namespace jabberadmin::s2s {

class Federation final : public module::Module {
 public:
  // listen: the addresses to listen on (cl-jabberd --listen, else the settings' listen).
  Federation(module::Context& context, std::vector<std::string> listen);
  ~Federation() override;
  void reload() override;
  // Where it listens (tests: a port chosen by the system).
  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;

 private:
  void accept(boost::asio::ip::tcp::acceptor& acceptor);

  const Settings* settings_ = nullptr;
  std::unique_ptr<Links> links_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  module::Registration remote_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for a pending accept retry
};

// The link settings cl-jabberd takes from [jabber].
LinkConfig link_config(const JabberSettings& jabber);

}  // namespace jabberadmin::s2s
