// One TCP connection, plain until STARTTLS or TLS from the first byte: a read loop that
// hands bytes to its TransportEvents, a bounded output queue, a graceful close.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <memory>
#include <string>

#include "net/transport.hpp"

namespace jabberadmin::net {

struct ConnectionOptions {
  std::size_t max_output = 1 << 20;  // queued bytes a slow reader may owe us before we drop it
  std::chrono::milliseconds close_grace{2000};
};

class Connection final : public Transport, public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> tls,
             ConnectionOptions options);
  ~Connection() override;

  // Starts reading (after the TLS handshake when direct_tls).
  void start(std::weak_ptr<TransportEvents> events, bool direct_tls);

  void send(std::string bytes) override;
  void start_tls() override;
  bool secure() const override { return secure_; }
  bool tls_available() const override { return tls_ != nullptr; }
  void close() override;
  const std::string& peer_address() const override { return peer_; }

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void write();
  void handshake();
  void after_writes();
  void shutdown();
  void finish();

  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::asio::steady_timer timer_;
  ConnectionOptions options_;
  std::weak_ptr<TransportEvents> events_;
  std::string peer_;
  std::array<char, 8192> buffer_{};
  std::deque<std::string> out_;
  std::size_t queued_ = 0;
  bool writing_ = false;
  bool reading_ = false;
  bool secure_ = false;
  bool tls_pending_ = false;   // handshake wanted once the queue is empty
  bool handshaking_ = false;
  bool closing_ = false;
  bool shutting_down_ = false;
  bool finished_ = false;
};

}  // namespace jabberadmin::net
