#include "net/connection.hpp"

#include <openssl/err.h>

#include <boost/asio/post.hpp>

#include <array>

#include "metrics/server_metrics.hpp"
#include "util/log.hpp"

namespace jabberadmin::net {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
std::string address_of(const asio::ip::tcp::socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  return address.to_string();
}

// Bytes read go to on_data before the next read, so one buffer per thread serves every
// connection: an idle one holds none. 16 KiB is one full TLS record.
std::array<char, 16 * 1024>& read_buffer() {
  thread_local std::array<char, 16 * 1024> buffer;
  return buffer;
}

// A connection that keeps sending gets this many reads a turn, then the others get theirs.
constexpr int kReadsPerTurn = 4;
// A written-out buffer bigger than this is given back instead of being kept for the next send.
constexpr std::size_t kKeptOutputCapacity = 4096;
}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
                       ConnectionOptions options)
    : tls_(std::move(tls)), socket_(std::move(socket)), timer_(socket_.get_executor()), options_(options),
      peer_(address_of(socket_)) {}

Connection::~Connection() = default;

void Connection::start(std::weak_ptr<TransportEvents> events, bool direct_tls) {
  events_ = std::move(events);
  error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.set_option(asio::socket_base::keep_alive(true), ec);
  socket_.non_blocking(true, ec);
  if (ec) {
    log::warning("net " + peer_ + ": cannot make the socket non-blocking: " + ec.message());
    return finish();
  }
  want_tls_ = direct_tls;
  schedule();
}

void Connection::send(std::string bytes) {
  if (closing_ || dropping_ || finished_ || bytes.empty()) return;
  if (out_.size() - out_sent_ + bytes.size() > options_.max_output) {
    log::warning("net " + peer_ + ": client does not read; dropping the connection");
    // Ended in a turn of its own: whoever is sending (a fan-out over many sessions) must
    // never see a session vanish in the middle of its loop.
    dropping_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
    return;
  }
  if (out_.empty()) out_ = std::move(bytes);
  else out_ += bytes;
  // Written at the end of this turn, with whatever else this turn sends here.
  if (!awaiting_writable_) schedule();
}

void Connection::start_tls() {
  if (!tls_ || ssl_) return;
  want_tls_ = true;  // the handshake starts once <proceed/> is written
  schedule();
}

void Connection::close() {
  if (closing_ || finished_) return;
  closing_ = true;
  // A peer that never reads or never finishes its handshake cannot hold us forever.
  timer_.expires_after(options_.close_grace);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->finish();
  });
  if (phase_ == Phase::Handshaking) return finish();
  schedule();
}

void Connection::pause_reading(std::chrono::milliseconds duration) {
  paused_until_ = std::max(paused_until_, std::chrono::steady_clock::now() + duration);
}

bool Connection::paused() {
  if (std::chrono::steady_clock::now() >= paused_until_) return false;
  if (resume_armed_ || closing_) return true;
  // The close timer is idle while the connection is open: it marks the end of the pause.
  resume_armed_ = true;
  timer_.expires_at(paused_until_);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    self->resume_armed_ = false;
    if (!ec && !self->closing_) self->pump();
  });
  return true;
}

void Connection::schedule() {
  if (posted_ || finished_) return;
  posted_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->posted_ = false;
    self->pump();
  });
}

void Connection::await(Need need) {
  if (need == Need::Failed) return finish();
  bool& awaiting = need == Need::Readable ? awaiting_readable_ : awaiting_writable_;
  if (awaiting) return;
  awaiting = true;
  const auto what = need == Need::Readable ? asio::socket_base::wait_read : asio::socket_base::wait_write;
  socket_.async_wait(what, [self = shared_from_this(), &awaiting](const error_code& ec) {
    awaiting = false;
    if (self->finished_ || ec == asio::error::operation_aborted) return;
    if (ec) return self->finish();
    self->pump();
  });
}

void Connection::pump() {
  if (finished_ || dropping_) return;
  const auto self = shared_from_this();  // the layer above may drop its reference meanwhile
  if (phase_ == Phase::SayingGoodbye) return say_goodbye();
  if (phase_ == Phase::Handshaking && !advance_handshake()) return;
  const bool written = flush();
  if (finished_) return;
  if (written && want_tls_) return begin_handshake();
  if (written && closing_) return shut_down();
  if (!want_tls_ && !closing_) receive();
}

void Connection::begin_handshake() {
  want_tls_ = false;
  ssl_.reset(SSL_new(tls_->native_handle()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
    log::warning("net " + peer_ + ": cannot start TLS: out of memory");
    if (auto events = events_.lock()) events->on_tls_ready(false);
    return finish();
  }
  if (client_name_.empty()) {
    SSL_set_accept_state(ssl_.get());
  } else {
    SSL_set_connect_state(ssl_.get());
    SSL_set_tlsext_host_name(ssl_.get(), client_name_.c_str());
    if (!client_alpn_.empty() && client_alpn_.size() < 256) {
      const std::string wire = static_cast<char>(client_alpn_.size()) + client_alpn_;  // RFC 7301 §3.1
      SSL_set_alpn_protos(ssl_.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned>(wire.size()));
    }
  }
  phase_ = Phase::Handshaking;
  pump();
}

bool Connection::advance_handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_.get());
  if (result != 1) {
    const Need need = ssl_need(result);
    if (need != Need::Failed) {
      await(need);
      return false;
    }
    log::debug("net " + peer_ + ": TLS handshake failed");
    metrics::count_tls_handshake("xmpp", false);
    if (auto events = events_.lock()) events->on_tls_ready(false);
    finish();
    return false;
  }
  phase_ = Phase::Secure;
  metrics::count_tls_handshake("xmpp", true);
  if (auto events = events_.lock()) events->on_tls_ready(true);
  return !finished_;
}

bool Connection::flush() {
  while (out_sent_ < out_.size()) {
    std::size_t written = 0;
    const Need need = write_some(out_.data() + out_sent_, out_.size() - out_sent_, written);
    if (need != Need::Nothing) {
      await(need);
      return false;
    }
    out_sent_ += written;
  }
  out_sent_ = 0;
  if (out_.capacity() > kKeptOutputCapacity) std::string().swap(out_);
  else out_.clear();
  return true;
}

void Connection::receive() {
  auto& buffer = read_buffer();
  for (int i = 0; i < kReadsPerTurn; ++i) {
    if (paused()) return;
    std::size_t got = 0;
    const Need need = read_some(buffer.data(), buffer.size(), got);
    if (need != Need::Nothing) return await(need);
    const auto events = events_.lock();
    if (!events) return finish();
    events->on_data(std::string_view(buffer.data(), got));
    // STARTTLS or a close: nothing more is read until what is queued is written.
    if (finished_ || want_tls_ || closing_) return schedule();
  }
  schedule();  // there may be more: after the other connections' turns
}

void Connection::shut_down() {
  if (!ssl_) {
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    return finish();
  }
  phase_ = Phase::SayingGoodbye;
  say_goodbye();
}

// close_notify, then the peer's, bounded by the close timer. What the peer still sends
// meanwhile is read and dropped: closing with unread input would reset the connection
// and could cost the peer our last bytes.
void Connection::say_goodbye() {
  if (!goodbye_sent_) {
    ERR_clear_error();
    const int result = SSL_shutdown(ssl_.get());
    if (result == 1) return finish();
    if (result < 0) return await(ssl_need(result));
    goodbye_sent_ = true;
  }
  auto& buffer = read_buffer();
  for (int i = 0; i < kReadsPerTurn; ++i) {
    std::size_t got = 0;
    const Need need = read_some(buffer.data(), buffer.size(), got);
    if (need != Need::Nothing) return need == Need::Failed ? finish() : await(need);
  }
  schedule();
}

void Connection::finish() {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  error_code ec;
  socket_.close(ec);
  ssl_.reset();
  std::string().swap(out_);
  out_sent_ = 0;
  if (auto events = events_.lock()) events->on_closed();
}

Connection::Need Connection::write_some(const char* data, std::size_t size, std::size_t& written) {
  if (!ssl_) {
    error_code ec;
    written = socket_.write_some(asio::buffer(data, size), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return Need::Writable;
    return ec ? Need::Failed : Need::Nothing;
  }
  ERR_clear_error();
  const int result = SSL_write_ex(ssl_.get(), data, size, &written);
  return result == 1 ? Need::Nothing : ssl_need(result);
}

Connection::Need Connection::read_some(char* data, std::size_t size, std::size_t& got) {
  if (!ssl_) {
    error_code ec;
    got = socket_.read_some(asio::buffer(data, size), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return Need::Readable;
    return ec ? Need::Failed : Need::Nothing;  // eof comes as an error
  }
  ERR_clear_error();
  const int result = SSL_read_ex(ssl_.get(), data, size, &got);
  return result == 1 ? Need::Nothing : ssl_need(result);
}

Connection::Need Connection::ssl_need(int result) {
  switch (SSL_get_error(ssl_.get(), result)) {
    case SSL_ERROR_WANT_READ: return Need::Readable;
    case SSL_ERROR_WANT_WRITE: return Need::Writable;
    default: return Need::Failed;  // the peer's close_notify, a reset, a protocol error
  }
}

}  // namespace jabberadmin::net
