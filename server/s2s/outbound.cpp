#include "s2s/outbound.hpp"

#include <boost/asio/connect.hpp>

#include "jabberadmin/encoding.hpp"
#include "net/tls.hpp"
#include "s2s/links.hpp"
#include "s2s/stream_io.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"

namespace jabberadmin::s2s {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

Outbound::Outbound(Links& links, std::string local, std::string remote)
    : links_(&links), local_(std::move(local)), remote_(std::move(remote)), dns_(links.executor()),
      parser_(links.config().parser), timer_(links.executor()), meter_(links.config().rate), started_(Clock::now()),
      last_activity_(started_) {}

std::string Outbound::log_prefix() const {
  return "s2s out " + local_ + " -> " + remote_ + (direct_tls_ ? " (direct TLS)" : "") + ": ";
}

void Outbound::start() {
  arm_timer();
  links_->resolver().resolve(remote_, [weak = weak_from_this()](std::vector<Target> targets) {
    const auto self = weak.lock();
    if (!self || self->state_ != State::Resolving) return;
    if (targets.empty()) return self->fail("no server found for the domain", "remote-server-not-found");
    self->targets_ = std::move(targets);
    self->try_target(0);
  });
}

void Outbound::try_target(std::size_t index) {
  if (state_ == State::Closed || links_ == nullptr) return;
  if (index >= targets_.size()) return fail("cannot connect to its server", "remote-server-not-found");
  state_ = State::Connecting;
  const Target target = targets_[index];
  dns_.async_resolve(target.host, std::to_string(target.port),
                     [weak = weak_from_this(), index, target](const boost::system::error_code& ec,
                                                               asio::ip::tcp::resolver::results_type results) {
                       const auto self = weak.lock();
                       if (!self || self->state_ != State::Connecting) return;
                       if (ec) {
                         log::debug(self->log_prefix() + "cannot resolve " + target.host + ": " + ec.message());
                         return self->try_target(index + 1);
                       }
                       self->socket_ = std::make_shared<asio::ip::tcp::socket>(self->links_->executor());
                       asio::async_connect(*self->socket_, results,
                                           [weak, index, target](const boost::system::error_code& ec2, const auto&) {
                                             const auto me = weak.lock();
                                             if (!me || me->state_ != State::Connecting) return;
                                             if (ec2) {
                                               log::debug(me->log_prefix() + "cannot connect to " + target.host +
                                                          " port " + std::to_string(target.port) + ": " + ec2.message());
                                               return me->try_target(index + 1);
                                             }
                                             me->connected(std::move(*std::exchange(me->socket_, nullptr)),
                                                           target.direct_tls);
                                           });
                     });
}

void Outbound::connected(asio::ip::tcp::socket socket, bool direct_tls) {
  connection_ = std::make_shared<net::Connection>(std::move(socket), links_->tls(), net::ConnectionOptions{});
  direct_tls_ = direct_tls;
  if (direct_tls) {
    // XEP-0368: the handshake first (SNI the remote domain, ALPN xmpp-server), then the
    // stream, as after STARTTLS (on_tls_ready opens it).
    state_ = State::StartingTls;
    connection_->connect_as_client(remote_, std::string(net::kAlpnXmppServer));
    connection_->start(weak_from_this(), true);
    return;
  }
  connection_->connect_as_client(remote_);
  connection_->start(weak_from_this(), false);
  open_stream();
}

void Outbound::open_stream() {
  state_ = state_ == State::Authenticating ? State::Restarting : State::Opening;
  parser_.reset();
  write(stream_header(local_, remote_, "", links_->config().dialback));
}

void Outbound::write(std::string bytes) {
  if (!connection_ || state_ == State::Closed) return;
  last_activity_ = Clock::now();
  connection_->send(std::move(bytes));
}

void Outbound::on_data(std::string_view bytes) {
  if (state_ == State::Closed || links_ == nullptr) return;
  last_activity_ = Clock::now();
  std::vector<xml::StreamEvent> events;
  const auto error = parser_.feed(bytes, events);
  const auto self = shared_from_this();
  if (bidi_ && meter_.take(*connection_, bytes.size(), events))
    log::info(log_prefix() + "the peer sends faster than the link's rate limit; reading slowed down");
  for (auto& event : events) {
    if (state_ == State::Closed || state_ == State::StartingTls) return;
    if (auto* open = std::get_if<xml::StreamOpen>(&event)) on_header(open->header);
    else if (auto* element = std::get_if<xml::Element>(&event)) on_element(*element);
    else return fail("the peer closed the stream", "remote-server-not-found");
  }
  if (error && state_ != State::Closed && state_ != State::StartingTls) {
    write(stream_error(xml::to_string(*error)));
    fail("the peer sent bad XML (" + std::string(xml::to_string(*error)) + ")", "remote-server-not-found");
  }
}

void Outbound::on_header(const xml::Element& header) {
  if (!header.is("stream", ns::kStreams) || header.attr_or("xmlns") != ns::kServer) {
    write(stream_error("invalid-namespace"));
    return fail("the peer's stream is not jabber:server", "remote-server-not-found");
  }
  stream_id_ = header.attr_or("id");
  dialback_offered_ = dialback_offered_ || header.attr_or("xmlns:db") == ns::kDialback;
  if (state_ == State::Opening) state_ = State::Negotiating;
}

void Outbound::on_element(const xml::Element& element) {
  if (element.is("features", ns::kStreams)) return on_features(element);
  if (element.is("proceed", ns::kTls)) {
    state_ = State::StartingTls;
    return connection_->start_tls();
  }
  if (element.is("failure", ns::kTls)) return fail("the peer refused STARTTLS", "remote-server-not-found");
  if (element.is("success", ns::kSasl)) {
    log::info(log_prefix() + "authenticated by our certificate (SASL EXTERNAL)");
    return open_stream();  // restart; its features make the link ready
  }
  if (element.is("failure", ns::kSasl)) {
    if (links_->config().dialback && dialback_offered_ && !stream_id_.empty()) {
      log::info(log_prefix() + "SASL EXTERNAL refused; trying dialback");
      return write("<db:result from='" + xml::escape_attr(local_) + "' to='" + xml::escape_attr(remote_) + "'>" +
                   links_->key(remote_, local_, stream_id_) + "</db:result>");
    }
    return fail("the peer refused our certificate (SASL EXTERNAL)", "remote-server-not-found");
  }
  if (element.is("result", ns::kDialback)) return on_dialback_result(element);
  if (element.is("verify", ns::kDialback)) {
    const auto asked = asked_.find(element.attr_or("id"));
    if (asked == asked_.end()) return;
    auto callbacks = std::move(asked->second);
    asked_.erase(asked);
    const bool valid = element.attr_or("type") == "valid";
    for (auto& done : callbacks) done(valid);
    return;
  }
  if (element.is("error", ns::kStreams)) {
    const xml::Element* condition = element.first_element();
    return fail("stream error " + (condition ? condition->name() : std::string("?")), "remote-server-not-found");
  }
  if (bidi_ && is_server_stanza(element)) return on_stanza(element);
  // Anything else (stanzas on a link that is not bidirectional) is ignored.
}

void Outbound::on_dialback_result(const xml::Element& result) {
  const bool ours = result.attr_or("from") == remote_ && result.attr_or("to") == local_;
  if (!result.attr("type")) {
    // The peer asks to authenticate a domain of its own here (XEP-0288 §2.2 allows it on a
    // bidirectional link); it may not: its stanzas come from the domain we linked to only.
    return write("<db:result from='" + xml::escape_attr(result.attr_or("to")) + "' to='" +
                 xml::escape_attr(result.attr_or("from")) + "' type='error'><error type='cancel'>" +
                 "<feature-not-implemented xmlns='" + std::string(ns::kStanzaErrors) + "'/></error></db:result>");
  }
  // An answer to nothing we asked proves nothing (XEP-0288 §4).
  if (state_ != State::Authenticating || !ours) return;
  if (result.attr_or("type") != "valid") return fail("the peer refused our dialback key", "remote-server-not-found");
  log::info(log_prefix() + "authenticated by dialback");
  ready();
}

void Outbound::on_stanza(const xml::Element& element) {
  if (state_ != State::Ready) return fail("the peer sent a stanza before the link was up", "remote-server-not-found");
  auto incoming = incoming_stanza(
      element, [this](const std::string& domain) { return domain == remote_; },
      [this](const std::string& domain) { return domain == local_; });
  if (const auto* refusal = std::get_if<Refusal>(&incoming)) {
    write(stream_error(refusal->condition, refusal->text));
    return fail("the peer sent a stanza it may not (" + std::string(refusal->condition) + ")", "remote-server-not-found");
  }
  auto& [stanza, from, to] = std::get<Incoming>(incoming);
  links_->deliver(stanza, std::move(from), std::move(to));
}

void Outbound::on_features(const xml::Element& features) {
  if (state_ == State::Restarting) return ready();
  if (state_ == State::Ready) return;
  if (!connection_->secure()) {
    if (!features.child("starttls", ns::kTls) || !connection_->tls_available())
      return fail("the peer offers no STARTTLS", "remote-server-not-found");
    return write("<starttls xmlns='" + std::string(ns::kTls) + "'/>");
  }
  can_verify_ = true;
  send_verifies();
  if (state_ == State::Authenticating) return;
  const bool dialback = links_->config().dialback &&
                        (features.child("dialback", ns::kDialbackFeature) != nullptr || dialback_offered_);
  dialback_offered_ = dialback;
  // Without dialback, the peer too must prove its domain with its certificate.
  if (!links_->config().dialback && !links_->certificates().valid_for(connection_->tls_session(), remote_))
    return fail("its certificate is not valid for " + remote_ + " and dialback is off", "remote-server-not-found");
  bool external = false;
  if (const xml::Element* mechanisms = features.child("mechanisms", ns::kSasl))
    for (const auto& m : mechanisms->children())
      if (m.is_element() && m.name() == "mechanism" && m.text() == "EXTERNAL") external = true;
  state_ = State::Authenticating;
  if (features.child("bidi", ns::kBidiFeature) != nullptr) {
    bidi_ = true;  // §2.2: asked for before authenticating
    write("<bidi xmlns='" + std::string(ns::kBidi) + "'/>");
  }
  if (external) return write("<auth xmlns='" + std::string(ns::kSasl) + "' mechanism='EXTERNAL'>" + encoding::base64_encode(local_) + "</auth>");
  if (dialback && !stream_id_.empty())
    return write("<db:result from='" + xml::escape_attr(local_) + "' to='" + xml::escape_attr(remote_) + "'>" +
                 links_->key(remote_, local_, stream_id_) + "</db:result>");
  fail(links_->config().dialback ? "the peer offers neither SASL EXTERNAL nor dialback"
                                 : "the peer does not offer SASL EXTERNAL and dialback is off",
       "remote-server-not-found");
}

void Outbound::on_tls_ready(bool ok) {
  if (!ok) return fail("TLS handshake failed", "remote-server-not-found");
  open_stream();
}

void Outbound::ready() {
  state_ = State::Ready;
  log::info(log_prefix() + "link up (" + std::to_string(queue_.size()) + " stanzas waited)" +
            (bidi_ ? "; bidirectional (XEP-0288): the peer's stanzas to us come back over it" : ""));
  while (!queue_.empty() && state_ == State::Ready) {
    write(to_link(queue_.front()));
    queue_.pop_front();
  }
}

void Outbound::send(const xml::Element& stanza) {
  if (state_ == State::Ready) return write(to_link(stanza));
  if (state_ == State::Closed) {
    if (links_ != nullptr) links_->bounce(stanza, "remote-server-not-found");
    return;
  }
  if (queue_.size() >= links_->config().queue_size) {
    log::warning(log_prefix() + "queue full (" + std::to_string(queue_.size()) + " stanzas); refusing one");
    return links_->bounce(stanza, "resource-constraint");
  }
  queue_.push_back(stanza);
}

void Outbound::verify(const std::string& stream_id, const std::string& key, std::function<void(bool)> done) {
  if (state_ == State::Closed) return done(false);
  verifies_.push_back(Verify{stream_id, key, std::move(done)});
  if (can_verify_) send_verifies();
}

void Outbound::send_verifies() {
  while (!verifies_.empty()) {
    Verify v = std::move(verifies_.front());
    verifies_.pop_front();
    write("<db:verify from='" + xml::escape_attr(local_) + "' to='" + xml::escape_attr(remote_) + "' id='" +
          xml::escape_attr(v.stream_id) + "'>" + xml::escape_text(v.key) + "</db:verify>");
    asked_[v.stream_id].push_back(std::move(v.done));
  }
}

void Outbound::fail(const std::string& why, std::string_view condition) {
  if (state_ == State::Closed) return;
  const auto self = shared_from_this();
  const bool was_ready = state_ == State::Ready;
  if (!was_ready || !queue_.empty()) log::warning(log_prefix() + "link failed: " + why);
  else log::info(log_prefix() + "link closed: " + why);
  state_ = State::Closed;
  if (connection_) {
    connection_->send("</stream:stream>");
    connection_->close();
  }
  auto queue = std::exchange(queue_, {});
  if (links_ != nullptr)
    for (const auto& stanza : queue) links_->bounce(stanza, condition);
  for (auto& v : std::exchange(verifies_, {})) v.done(false);
  for (auto& [id, callbacks] : std::exchange(asked_, {}))
    for (auto& done : callbacks) done(false);
  finish();
}

void Outbound::close() { fail("closing", "remote-server-not-found"); }

void Outbound::on_closed() {
  if (state_ == State::Closed) return;
  fail("the connection was lost", "remote-server-not-found");
}

void Outbound::finish() {
  timer_.cancel();
  dns_.cancel();
  if (socket_) {
    boost::system::error_code ec;
    socket_->close(ec);
  }
  if (links_ != nullptr) links_->finished(*this);
}

void Outbound::arm_timer() {
  timer_.expires_after(std::chrono::milliseconds(state_ == State::Ready ? 5000 : 500));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    const auto self = weak.lock();
    if (ec || !self || self->state_ == State::Closed || self->links_ == nullptr) return;
    const auto now = Clock::now();
    const auto& config = self->links_->config();
    if (self->state_ != State::Ready && now - self->started_ > config.queue_timeout)
      return self->fail("not up within " + std::to_string(config.queue_timeout.count() / 1000) + " s",
                        "remote-server-timeout");
    if (self->state_ == State::Ready && now - self->last_activity_ > config.idle_timeout)
      return self->fail("idle", "remote-server-not-found");
    self->arm_timer();
  });
}

}  // namespace jabberadmin::s2s
