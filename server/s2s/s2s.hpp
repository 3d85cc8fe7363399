// Federation (RFC 6120 server-to-server links, XEP-0220 dialback, SASL EXTERNAL), with
// s2s on: listens on s2s_port (and s2s_tls_port, direct TLS: XEP-0368), routes stanzas for remote domains through outbound links
// (the router's route_remote hook) and delivers what authenticated inbound links bring.
// With s2s off it registers nothing: remote addresses bounce with remote-server-not-found.
#pragma once

#include <boost/asio/any_io_executor.hpp>
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

 private:
  struct Acceptor {
    boost::asio::ip::tcp::acceptor socket;
    bool direct_tls;
  };
  void listen_on(const boost::asio::ip::tcp::endpoint& endpoint, bool direct_tls, boost::asio::any_io_executor executor);
  void accept(Acceptor& acceptor);

  const Settings* settings_ = nullptr;
  std::unique_ptr<Links> links_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  module::Registration remote_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for a pending accept retry
};

// The link settings cl-jabberd takes from [jabber].
LinkConfig link_config(const JabberSettings& jabber);

}  // namespace jabberadmin::s2s
