// Accepts TCP connections on one endpoint and hands each socket on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>

namespace jabberadmin::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using Handler = std::function<void(boost::asio::ip::tcp::socket)>;
  // Binds and listens now (throws boost::system::system_error); accepts after start().
  Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, Handler handler);
  void start();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  Handler handler_;
  bool stopped_ = false;
};

}  // namespace jabberadmin::net
