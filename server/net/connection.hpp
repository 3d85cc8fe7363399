// One TCP connection, plain until STARTTLS or TLS from the first byte: reads hand bytes to
// its TransportEvents, sends are gathered and written once per event-loop turn, a graceful
// close.
//
// OpenSSL is driven directly on the non-blocking socket (SSL_set_fd) and the connection
// waits for readiness with async_wait, instead of asio::ssl::stream: that stream keeps two
// 17 KiB buffers of its own plus a 2 × 17 KiB BIO pair per connection, ~70 KiB that an idle
// XMPP client never needs (bench/README.md, "Idle"). With SSL_MODE_RELEASE_BUFFERS and one
// read buffer per thread, an idle TLS connection holds only OpenSSL's session state.
// The socket BIO writes with write(2): the process must ignore SIGPIPE (main does).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
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
  // A connection we opened (server-to-server): its TLS handshake is the client's, naming
  // server_name (SNI) and offering the application protocol alpn when one is given
  // (XEP-0368's "xmpp-server" on a direct-TLS link). Before start().
  void connect_as_client(std::string server_name, std::string alpn = {}) {
    client_name_ = std::move(server_name);
    client_alpn_ = std::move(alpn);
  }
  // The TLS session once secure (the peer's certificate, for the layer above to check).
  const SSL* tls_session() const { return phase_ == Phase::Secure ? ssl_.get() : nullptr; }

  void send(std::string bytes) override;
  void start_tls() override;
  bool secure() const override { return phase_ == Phase::Secure; }
  std::optional<std::string> channel_binding(std::string_view type) const override;
  // The TLS protocol version in use ("TLSv1.3"); empty before the handshake is done.
  std::string tls_version() const {
    return phase_ == Phase::Secure && ssl_ ? SSL_get_version(ssl_.get()) : std::string();
  }
  bool tls_available() const override { return tls_ != nullptr; }
  void close() override;
  const std::string& peer_address() const override { return peer_; }
  void pause_reading(std::chrono::milliseconds duration) override;

 private:
  enum class Phase { Plain, Handshaking, Secure, SayingGoodbye };
  // What a non-blocking step needs before it can go on.
  enum class Need { Nothing, Readable, Writable, Failed };
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  // Everything that can be done now, in order: handshake, output, then input. Called
  // only from the event loop (readiness, a posted turn), never from inside a callback
  // into the layer above, so that layer may send or close from anywhere.
  void pump();
  void schedule();
  void await(Need need);

  void begin_handshake();
  bool advance_handshake();  // true once the handshake is done
  bool flush();              // true once every queued byte is written
  void receive();
  bool paused();  // reading paused (a rate limit): true, and the resume is armed
  void shut_down();
  void say_goodbye();
  void finish();

  Need write_some(const char* data, std::size_t size, std::size_t& written);
  Need read_some(char* data, std::size_t size, std::size_t& got);
  Need ssl_need(int result);

  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;  // the close grace; while reading is paused, its end
  ConnectionOptions options_;
  std::weak_ptr<TransportEvents> events_;
  std::string peer_;
  std::string client_name_;  // connect_as_client: the TLS client's SNI
  std::string client_alpn_;  // and the protocol it offers (none: no ALPN)
  std::unique_ptr<SSL, SslFree> ssl_;
  Phase phase_ = Phase::Plain;
  std::string out_;            // bytes not yet written, from out_sent_ on
  std::size_t out_sent_ = 0;
  bool want_tls_ = false;      // STARTTLS: handshake once what is queued is written
  bool closing_ = false;       // close(): goodbye once what is queued is written
  bool dropping_ = false;      // over max_output: ends in the next turn, nothing more is sent
  bool goodbye_sent_ = false;  // our TLS close_notify is out
  bool posted_ = false;
  bool awaiting_readable_ = false;
  bool awaiting_writable_ = false;
  bool finished_ = false;
  bool resume_armed_ = false;
  std::chrono::steady_clock::time_point paused_until_{};
  // Channel-binding data by type, kept once the session is secure: the stream features and
  // the SCRAM exchange ask for it several times per login (each asking hashed our
  // certificate again), and it cannot change within a TLS session.
  mutable std::map<std::string, std::optional<std::string>, std::less<>> channel_bindings_;
};

}  // namespace jabberadmin::net
