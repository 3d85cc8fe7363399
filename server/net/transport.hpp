// What a stream protocol sees of its connection, and what the connection tells it back.
// net::Connection implements Transport over TCP and TLS; tests use an in-memory fake.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin::net {

class TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  virtual void on_data(std::string_view bytes) = 0;
  virtual void on_tls_ready(bool ok) = 0;   // after start_tls: handshake done (or failed)
  virtual void on_closed() = 0;             // peer gone, error, or our close() finished
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues bytes. Never ends the connection before returning: a peer that does not read
  // is dropped in a later turn, so callers may send to many transports in one loop.
  virtual void send(std::string bytes) = 0;
  // Sends what is queued, then runs the TLS server handshake; reading pauses meanwhile.
  virtual void start_tls() = 0;
  virtual bool secure() const = 0;
  virtual bool tls_available() const = 0;
  // Sends what is queued, then closes; on_closed follows.
  virtual void close() = 0;
  virtual const std::string& peer_address() const = 0;
  // Reads nothing more from the peer for this long (its rate limit): TCP slows it down.
  virtual void pause_reading(std::chrono::milliseconds duration) = 0;
  // Channel-binding data of the TLS session for SCRAM's -PLUS mechanisms: "tls-exporter"
  // (RFC 9266, TLS 1.3 only) or "tls-server-end-point" (RFC 5929 §4.1). Nothing when the
  // connection is not (yet) TLS or cannot give that type.
  virtual std::optional<std::string> channel_binding(std::string_view type) const {
    (void)type;
    return std::nullopt;
  }
};

}  // namespace jabberadmin::net
