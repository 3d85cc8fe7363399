#include "stream/c2s.hpp"

#include <boost/asio/post.hpp>
#include <openssl/rand.h>

#include <algorithm>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "metrics/server_metrics.hpp"
#include "net/connection.hpp"
#include "stream/namespaces.hpp"
#include "stream/plain_mechanism.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::stream {

std::string random_hex(std::size_t bytes) {
  unsigned char buf[32];
  if (bytes > sizeof buf) bytes = sizeof buf;
  RAND_bytes(buf, static_cast<int>(bytes));
  return encoding::hex(std::string_view(reinterpret_cast<const char*>(buf), bytes));
}

namespace {
using Clock = std::chrono::steady_clock;

void count_stanza(const std::array<metrics::Counter*, 3>& counters, StanzaKind kind) {
  counters[static_cast<std::size_t>(kind)]->inc();
}

// A stanza serialized in the client namespace starts with its unprefixed name.
std::optional<StanzaKind> serialized_kind(std::string_view stanza) {
  const auto named = [&](std::string_view name) {
    return stanza.size() > name.size() + 1 && stanza[0] == '<' && stanza.substr(1, name.size()) == name &&
           (stanza[name.size() + 1] == ' ' || stanza[name.size() + 1] == '>' || stanza[name.size() + 1] == '/');
  };
  if (named("message")) return StanzaKind::Message;
  if (named("presence")) return StanzaKind::Presence;
  if (named("iq")) return StanzaKind::Iq;
  return std::nullopt;
}

xml::Element sasl_element(std::string_view name) { return xml::Element(std::string(name), std::string(ns::kSasl)); }

// RFC 6120 §6.4.2: empty data is "=", no data at all an empty element.
xml::Element sasl_data(std::string_view name, std::string_view data) {
  xml::Element e = sasl_element(name);
  e.add_text(data.empty() ? std::string("=") : encoding::base64_encode(data));
  return e;
}

std::optional<sasl::Mechanisms> plain_only(const C2sContext& context) {
  if (context.mechanisms) return std::nullopt;
  sasl::Mechanisms m;
  m.add("PLAIN", [&authenticator = context.authenticator](const sasl::StreamInfo& info) {
    return std::make_unique<sasl::PlainMechanism>(authenticator, info.domain);
  });
  return m;
}

// Normalisation that reports failure as a value (the library throws).
std::optional<std::string> resourcepart(std::string_view name) {
  try {
    return normalize_resource(name);
  } catch (const Error&) {
    return std::nullopt;
  }
}
std::optional<std::string> domainpart(std::string_view name) {
  try {
    return normalize_domain(name);
  } catch (const Error&) {
    return std::nullopt;
  }
}
}  // namespace

C2s::C2s(boost::asio::any_io_executor executor, std::shared_ptr<net::Transport> transport, C2sContext context,
         C2sConfig config, std::optional<net::Admission::Ticket> ticket)
    : executor_(executor), transport_(std::move(transport)), context_(context), config_(config),
      ticket_(std::move(ticket)), parser_(config.parser), timer_(executor),
      connection_rate_(config.rate), plain_only_(plain_only(context_)),
      mechanisms_(context_.mechanisms ? *context_.mechanisms : *plain_only_) {}

C2s::~C2s() = default;

Management* C2s::management() const { return context_.features ? context_.features->management() : nullptr; }

std::string C2s::log_prefix() const {
  std::string p = "c2s " + transport_->peer_address();
  if (bound_) p += " " + jid_.full();
  else if (!username_.empty()) p += " " + username_;
  else if (exchange_ && !exchange_->username().empty()) p += " " + exchange_->username();
  return p + ": ";
}

void C2s::start() {
  started_ = last_read_ = last_write_ = Clock::now();
  // The admission ends this stream when a newcomer needs its place; the ticket is ours, so
  // the stream it names is alive as long as the ticket counts (weak only for the cycle).
  if (ticket_) ticket_->on_evict([weak = weak_from_this()] {
    if (auto self = weak.lock()) self->evict();
  });
  arm_timer();
}

void C2s::arm_timer() {
  // One timer per stream, ticking at the finest interval it has to watch.
  auto period = std::min(config_.keepalive_interval, config_.idle_timeout);
  if (!bound_) period = std::min(period, config_.negotiation_timeout);
  timer_.expires_after(std::max(period / 2, std::chrono::milliseconds(50)));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_tick();
  });
}

void C2s::on_tick() {
  if (state_ == State::Closed || state_ == State::Closing) return;
  const auto now = Clock::now();
  if (!bound_ && now - started_ >= config_.negotiation_timeout) {
    log::info(log_prefix() + "negotiation timed out");
    return stream_error("connection-timeout", "Negotiation took too long");
  }
  if (now - last_read_ >= config_.idle_timeout) {
    log::info(log_prefix() + "idle timeout");
    return stream_error("connection-timeout");
  }
  if (header_sent_ && state_ != State::StartingTls && now - last_write_ >= config_.keepalive_interval) send(" ");
  arm_timer();
}

void C2s::send(std::string bytes) {
  if (state_ == State::Closed || state_ == State::Detached) return;
  last_write_ = Clock::now();
  metrics::server_metrics().bytes_sent.inc(bytes.size());
  transport_->send(std::move(bytes));
}

void C2s::send(const xml::Element& element) { send(xml::serialize(element, ns::kClient)); }

void C2s::deliver(const xml::Element& stanza) {
  if (state_ != State::Established && state_ != State::Detached) return;
  if (const auto kind = stanza_kind(stanza)) count_stanza(metrics::server_metrics().stanzas_sent, *kind);
  if (outbound_filter_) return outbound_filter_(&stanza, xml::serialize(stanza, ns::kClient));
  if (!managed_) return send(stanza);
  send_now(xml::serialize(stanza, ns::kClient));
}

// Client state indication (outbound_filter_) may hold a stanza back and hand it to
// send_now() later; stream management counts what is finally written.
void C2s::deliver_serialized(std::string stanza) {
  if (state_ != State::Established && state_ != State::Detached) return;
  if (const auto kind = serialized_kind(stanza)) count_stanza(metrics::server_metrics().stanzas_sent, *kind);
  if (outbound_filter_) return outbound_filter_(nullptr, std::move(stanza));
  send_now(std::move(stanza));
}

void C2s::send_now(std::string stanza) {
  if (!managed_) {
    if (state_ == State::Established) send(std::move(stanza));
    return;
  }
  // Managed: counted and kept until acknowledged, written only while connected.
  if (state_ != State::Established && state_ != State::Detached) return;
  if (state_ == State::Established) send(stanza);
  managed_->sent(std::move(stanza));
}

void C2s::send_nonza(const xml::Element& element) { send(element); }

void C2s::send_nonza(std::string bytes) {
  if (state_ == State::Established) send(std::move(bytes));
}

bool C2s::take_over(C2s& old) {
  if (!authenticated_ || bound_ || state_ != State::Negotiating || !old.routed_ || !old.managed_) return false;
  const Jid mine = std::exchange(jid_, old.jid_);
  if (!context_.host.transfer(old, *this)) {
    jid_ = mine;
    return false;
  }
  bound_ = routed_ = true;
  bound_since_ = old.bound_since_;
  old.routed_ = false;  // the binding is ours now: old ends without leaving the router
  managed_ = std::move(old.managed_);
  managed_->moved(*this);
  // XEP-0352: an inactive client is still inactive, and what waits for it waits for us.
  outbound_filter_ = std::move(old.outbound_filter_);
  state_ = State::Established;
  log::info(log_prefix() + "resumed");
  if (old.state_ == State::Detached) old.end_detached();
  else old.stream_error("conflict", "This session was resumed on another connection");
  return true;
}

// Over TCP only: WebSocket and BOSH streams have their TLS in the HTTPS listener.
std::string C2s::tls_version() const {
  const auto* connection = dynamic_cast<const net::Connection*>(transport_.get());
  return connection != nullptr ? connection->tls_version() : std::string();
}

void C2s::terminate(std::string_view condition, std::string_view text) { stream_error(condition, text); }

void C2s::shutdown() {
  if (state_ == State::Closed || state_ == State::Closing) return;
  stream_error("system-shutdown");
}

void C2s::evict() {
  if (state_ == State::Closed || state_ == State::Closing || authenticated_) return;
  log::info(log_prefix() + "closed to make room for a new connection");
  if (state_ == State::StartingTls) {
    // Nothing can be said in the middle of a TLS handshake.
    state_ = State::Closing;
    finish();
    transport_->close();
    return;
  }
  stream_error("policy-violation", "Too many connections waiting to log in; try again");
}

void C2s::stream_error(std::string_view condition, std::string_view text) {
  if (state_ == State::Closed || state_ == State::Closing) return;
  if (state_ == State::Detached) return end_detached();  // nobody to tell
  if (!header_sent_) {
    // RFC 6120 §4.9.1.1: open our stream first so the error is well-formed.
    send("<?xml version='1.0'?><stream:stream xmlns='" + std::string(ns::kClient) + "' xmlns:stream='" +
         std::string(ns::kStreams) + "' id='" + random_hex(8) + "' version='1.0'>");
    header_sent_ = true;
  }
  xml::Element error("error", std::string(ns::kStreams));
  error.add(xml::Element(std::string(condition), std::string(ns::kStreamErrors)));
  if (!text.empty()) {
    auto& t = error.add(xml::Element("text", std::string(ns::kStreamErrors)));
    t.set_attr("xml:lang", "en");
    t.add_text(text);
  }
  // The stream prefix is declared on our header; serialize with it explicitly.
  std::string out = xml::serialize(error, ns::kClient);
  out.replace(0, std::string_view("<error xmlns=''").size() + ns::kStreams.size(), "<stream:error");
  out.replace(out.size() - std::string_view("</error>").size(), std::string_view("</error>").size(),
              "</stream:error>");
  log::info(log_prefix() + "stream error " + std::string(condition));
  send(std::move(out));
  close_stream();
}

void C2s::close_stream() {
  if (state_ == State::Closed || state_ == State::Closing) return;
  send("</stream:stream>");
  state_ = State::Closing;
  transport_->close();
  finish();
}

// Leaves the router at once, so nothing is routed to a stream that is going away.
void C2s::finish() {
  leave_router();
  outbound_filter_ = nullptr;  // it belongs to a module that may go before this stream
  timer_.cancel();
  exchange_.reset();  // a waiting check is dropped with its credentials
}

// A detached session's end: its window closed, a new login took its resource, shutdown.
void C2s::end_detached() {
  const auto self = shared_from_this();  // on_finished drops the stream
  state_ = State::Closed;
  finish();
  log::info(log_prefix() + "detached session ended");
  if (context_.on_finished) context_.on_finished(*this);
}

void C2s::leave_router() {
  if (!routed_) return;
  routed_ = false;
  context_.host.unbind(*this);
  // Unbound first, so that what the client never acknowledged is routed as to a resource
  // that is gone (XEP-0198 §4: another resource, offline storage, or an error).
  if (const auto managed = std::move(managed_)) managed->ended();
}

void C2s::on_closed() {
  if (state_ == State::Closed || state_ == State::Detached) return;
  if (state_ == State::Established && managed_ && managed_->detach()) {
    // Lost without </stream>, and resumable: the session stays bound, its stanzas queued.
    state_ = State::Detached;
    timer_.cancel();
    ticket_.reset();
    log::info(log_prefix() + "connection lost; session kept for resumption");
    return;
  }
  state_ = State::Closed;
  finish();
  ticket_.reset();
  log::debug(log_prefix() + "closed");
  if (context_.on_finished) context_.on_finished(*this);
}

void C2s::on_data(std::string_view bytes) {
  if (state_ == State::Closed || state_ == State::Closing) return;
  last_read_ = Clock::now();
  metrics::server_metrics().bytes_received.inc(bytes.size());
  if (ticket_ && !authenticated_) ticket_->active();
  std::vector<xml::StreamEvent> events;
  const auto error = parser_.feed(bytes, events);
  throttle(bytes.size(), events);
  auto self = shared_from_this();  // a handler may end the stream
  for (auto& event : events) {
    if (state_ == State::Closed || state_ == State::Closing || state_ == State::StartingTls) return;
    if (auto* open = std::get_if<xml::StreamOpen>(&event)) {
      on_header(open->header);
    } else if (auto* element = std::get_if<xml::Element>(&event)) {
      on_element(std::move(*element));
    } else {
      close_stream();
      return;
    }
  }
  if (!error || state_ == State::StartingTls) return;
  if (*error == xml::ParseError::StanzaTooLarge) {
    // Say why: a client (or its user) can only fix what it is told.
    return stream_error(xml::to_string(*error), "Stanza larger than the limit of " +
                                                    std::to_string(config_.parser.max_stanza_size) + " bytes");
  }
  stream_error(xml::to_string(*error));
}

// The connection's rate, or once logged in its account's: what it sent beyond it is paid
// for by not being read for a while.
void C2s::throttle(std::size_t bytes, const std::vector<xml::StreamEvent>& events) {
  const auto stanzas = std::count_if(events.begin(), events.end(),
                                     [](const auto& e) { return std::holds_alternative<xml::Element>(e); });
  RateBuckets& rate = account_rate_ ? *account_rate_ : connection_rate_;
  const auto wait = rate.take(bytes, static_cast<std::size_t>(stanzas), Clock::now());
  if (wait.count() == 0) return;
  if (!throttled_) log::info(log_prefix() + "sends faster than its rate limit; reading slowed down");
  throttled_ = true;
  transport_->pause_reading(wait);
}

void C2s::on_header(const xml::Element& header) {
  auto reject = [&](std::string_view condition, std::string_view text = {}) { stream_error(condition, text); };
  if (!header.is("stream", ns::kStreams)) return reject("invalid-namespace");
  if (header.attr_or("xmlns") != ns::kClient) return reject("invalid-namespace", "Client streams only");
  const auto to = header.attr("to");
  const auto domain = to ? domainpart(*to) : std::nullopt;
  if (!domain || !context_.host.serves(*domain)) return reject("host-unknown");
  if (!domain_.empty() && *domain != domain_) return reject("host-unknown", "Domain changed on restart");
  domain_ = *domain;
  stream_id_ = random_hex(12);
  std::string out = "<?xml version='1.0'?><stream:stream xmlns='" + std::string(ns::kClient) + "' xmlns:stream='" +
                    std::string(ns::kStreams) + "' id='" + stream_id_ + "' from='" + xml::escape_attr(domain_) +
                    "' version='1.0' xml:lang='en'";
  if (auto from = header.attr("from"); from && Jid::parse(*from)) out += " to='" + xml::escape_attr(*from) + "'";
  out += '>';
  send(std::move(out));
  header_sent_ = true;
  const std::string version = header.attr_or("version");
  if (version.empty() || version.front() < '1') return reject("unsupported-version");
  state_ = State::Negotiating;
  send_features();
}

void C2s::send_features() {
  // The children serialized one by one inside <stream:features>, the prefix our header
  // declared (the serializer writes no prefixes).
  std::string children;
  const auto add = [&children](const xml::Element& feature) { children += xml::serialize(feature, ns::kStreams); };
  if (!transport_->secure() && transport_->tls_available() && !authenticated_) {
    xml::Element tls("starttls", std::string(ns::kTls));
    if (config_.tls_required) tls.add(xml::Element("required", std::string(ns::kTls)));
    add(tls);
  }
  if (!authenticated_ && (transport_->secure() || !config_.tls_required)) {
    xml::Element mechanisms = sasl_element("mechanisms");
    for (const auto& name : mechanisms_.offered(*transport_)) mechanisms.add(sasl_element("mechanism")).add_text(name);
    add(mechanisms);
    add(sasl2_feature());
    // XEP-0440: which channel bindings the -PLUS mechanisms accept here (the same list
    // SCRAM's downgrade protection hashes).
    if (const auto types = mechanisms_.advertised_bindings(*transport_); !types.empty()) {
      xml::Element bindings("sasl-channel-binding", std::string(ns::kSaslChannelBinding));
      for (const auto& type : types)
        bindings.add(xml::Element("channel-binding", std::string(ns::kSaslChannelBinding))).set_attr("type", type);
      add(bindings);
    }
  }
  if (!authenticated_ && context_.features) children += context_.features->serialized(FeatureStage::PreAuth);
  if (authenticated_) {
    add(xml::Element("bind", std::string(ns::kBind)));
    if (context_.features) children += context_.features->serialized(FeatureStage::PostAuth);
  }
  send(children.empty() ? std::string("<stream:features/>") : "<stream:features>" + children + "</stream:features>");
}

void C2s::on_element(xml::Element element) {
  if (state_ == State::Established) return established(std::move(element));
  if (state_ == State::Authenticating) return stream_error("policy-violation", "Wait for the SASL outcome");
  negotiate(element);
}

void C2s::negotiate(const xml::Element& e) {
  if (e.is("starttls", ns::kTls)) {
    if (transport_->secure() || authenticated_ || !transport_->tls_available()) {
      send(xml::Element("failure", std::string(ns::kTls)));
      return close_stream();
    }
    send(xml::Element("proceed", std::string(ns::kTls)));
    state_ = State::StartingTls;
    transport_->start_tls();
    return;
  }
  if (e.is("auth", ns::kSasl) && !authenticated_) return on_auth(e);
  if (e.is("authenticate", ns::kSasl2) && !authenticated_) return on_authenticate(e);
  if (e.is("response", sasl2_ ? ns::kSasl2 : ns::kSasl) && awaiting_response_) return on_sasl_response(e);
  if (e.is("abort", sasl2_ ? ns::kSasl2 : ns::kSasl) && !authenticated_) {
    awaiting_response_ = false;
    exchange_.reset();
    return sasl_failure("aborted");
  }
  if (authenticated_ && e.xmlns() == ns::kSm) {
    if (Management* m = management()) return m->on_element(*this, e);
  }
  if (e.is("iq", ns::kClient) && authenticated_ && !bound_) {
    if (const auto* b = e.child("bind", ns::kBind); b && e.attr_or("type") == "set") return on_bind(e);
    // Anything else before a resource is bound (RFC 6120 §7.1).
    if (stanza_type(e) == "get" || stanza_type(e) == "set") return send(error_reply(e, "cancel", "not-allowed"));
    return;
  }
  if (stanza_kind(e)) return stream_error("not-authorized");
  stream_error("unsupported-stanza-type");
}

void C2s::on_auth(const xml::Element& auth) {
  if (!transport_->secure() && config_.tls_required) return sasl_failure("encryption-required");
  sasl2_ = false;
  auto mechanism = mechanisms_.create(auth.attr_or("mechanism"), sasl::StreamInfo{domain_, transport_.get(), false});
  if (!mechanism) return sasl_failure("invalid-mechanism");
  const std::string initial = auth.text();
  start_exchange(std::move(mechanism), std::string(auth.attr_or("mechanism")),
                 initial.empty() ? std::nullopt : std::optional<std::string>(initial));
}

void C2s::start_exchange(std::unique_ptr<sasl::Mechanism> mechanism, std::string mechanism_name,
                         std::optional<std::string> initial) {
  const std::weak_ptr<C2s> weak = weak_from_this();
  sasl::Outcome outcome{
      [weak](std::string data) {
        if (auto self = weak.lock()) {
          self->state_ = State::Negotiating;
          self->awaiting_response_ = true;
          if (self->sasl2_) {
            xml::Element challenge("challenge", std::string(ns::kSasl2));
            challenge.add_text(encoding::base64_encode(data));
            self->send(challenge);
          } else {
            self->send(sasl_data("challenge", data));
          }
        }
      },
      [weak](const std::string& username, std::string additional) {
        if (auto self = weak.lock()) {
          if (self->sasl2_) self->sasl2_success(username, std::move(additional));
          else self->sasl_success(username, std::move(additional));
        }
      },
      [weak](std::string_view condition, std::string_view text, bool counted) {
        if (auto self = weak.lock()) {
          self->state_ = State::Negotiating;
          self->awaiting_response_ = false;
          self->exchange_.reset();
          self->sasl_failure(condition, text, counted);
        }
      }};
  exchange_ = std::make_shared<sasl::Exchange>(
      executor_, sasl::Limits{context_.address_failures, context_.account_failures, config_.throttle_first,
                              config_.throttle_cap},
      transport_->peer_address(), std::move(mechanism), std::move(mechanism_name), std::move(outcome), [weak] {
        auto self = weak.lock();
        return self ? self->log_prefix() : std::string();
      });
  if (!initial) {
    // No initial response: an empty challenge asks for it (RFC 6120 §6.4.3).
    awaiting_response_ = true;
    return send(xml::Element("challenge", std::string(sasl2_ ? ns::kSasl2 : ns::kSasl)));
  }
  sasl_message(*initial);
}

void C2s::on_sasl_response(const xml::Element& response) {
  awaiting_response_ = false;
  const std::string text = response.text();
  sasl_message(text.empty() ? "=" : text);
}

void C2s::sasl_message(std::string_view base64) {
  std::optional<std::string> message = base64 == "=" ? std::optional<std::string>("") : encoding::base64_decode(base64);
  if (!message) {
    exchange_.reset();
    return sasl_failure("incorrect-encoding");
  }
  const auto exchange = exchange_;
  exchange->respond(*message);
  wipe(*message);
  if (exchange_ == exchange && exchange->checking()) state_ = State::Authenticating;
}

void C2s::authenticated_as(const std::string& username) {
  state_ = State::Negotiating;
  exchange_.reset();
  username_ = username;
  log::info(log_prefix() + "authenticated");
  authenticated_ = true;
  account_rate_ = context_.account_rates.join(username_, config_.rate);
  if (ticket_) ticket_->authenticated();
}

void C2s::sasl_success(const std::string& username, std::string additional) {
  authenticated_as(username);
  // RFC 6120 §6.3.10: additional data goes in <success/>.
  send(additional.empty() ? sasl_element("success") : sasl_data("success", additional));
  restart();
}

void C2s::sasl_failure(std::string_view condition, std::string_view text, bool counted) {
  // SASL2's <failure/> carries the same RFC 6120 conditions (XEP-0388 §2.6).
  xml::Element failure("failure", std::string(sasl2_ ? ns::kSasl2 : ns::kSasl));
  failure.add(sasl_element(condition));
  if (!text.empty()) {
    auto& t = failure.add(xml::Element("text", failure.xmlns()));
    t.set_attr("xml:lang", "en");
    t.add_text(text);
  }
  send(failure);
  if (counted && condition != "aborted" && ++auth_failures_ >= config_.max_auth_attempts)
    stream_error("policy-violation", "Too many failed authentication attempts");
}

void C2s::restart() {
  parser_.reset();
  header_sent_ = false;
  state_ = State::Opening;
}

void C2s::on_tls_ready(bool ok) {
  if (state_ != State::StartingTls) return;
  if (!ok) {
    log::info(log_prefix() + "TLS handshake failed");
    state_ = State::Closing;
    transport_->close();
    return;
  }
  log::debug(log_prefix() + "TLS established");
  restart();
}

void C2s::on_bind(const xml::Element& iq) {
  const xml::Element* bind = iq.child("bind", ns::kBind);
  std::string resource;
  if (const xml::Element* r = bind->child("resource", ns::kBind)) resource = r->text();
  if (!resource.empty()) {
    auto normal = resourcepart(resource);
    if (!normal) return send(error_reply(iq, "modify", "bad-request", "Invalid resource"));
    resource = *normal;
  } else {
    resource = "cl-" + random_hex(6);
  }
  if (!bind_resource(resource))
    return send(error_reply(iq, "wait", "resource-constraint", "Too many resources connected for this account"));
  xml::Element result = iq_result(iq);
  result.remove_attr("from");
  result.remove_attr("to");
  result.add(xml::Element("bind", std::string(ns::kBind))).add(xml::Element("jid", std::string(ns::kBind))).add_text(jid_.full());
  send(result);
}

bool C2s::bind_resource(const std::string& resource) {
  const Jid wanted{username_, domain_, resource};
  if (context_.host.other_resources(wanted) >= config_.max_resources_per_account) {
    // RFC 6120 §7.6.2.1: the account has reached its limit of connected resources.
    log::info(log_prefix() + "refused a resource: " + std::to_string(config_.max_resources_per_account) +
              " already bound");
    return false;
  }
  jid_ = wanted;
  context_.host.bind(*this);
  bound_ = routed_ = true;
  bound_since_ = std::chrono::system_clock::now();
  state_ = State::Established;
  if (ticket_) ticket_->authenticated();
  log::info(log_prefix() + "bound");
  return true;
}

void C2s::established(xml::Element e) {
  if (e.xmlns() == ns::kSm) {
    if (Management* m = management()) return m->on_element(*this, e);
  }
  const auto kind = stanza_kind(e);
  if (!kind) {
    if (context_.host.on_nonza(*this, e)) return;
    return stream_error("unsupported-stanza-type");
  }
  count_stanza(metrics::server_metrics().stanzas_received, *kind);
  if (managed_) managed_->received();
  // RFC 6120 §8.1.2.1: the server stamps 'from'; a claim that is not ours ends the stream.
  if (const auto from = e.attr("from")) {
    const auto claimed = Jid::parse(*from);
    if (!claimed || (*claimed != jid_ && *claimed != jid_.to_bare()))
      return stream_error("invalid-from");
  }
  e.set_attr("from", jid_.full());
  context_.host.on_stanza(*this, std::move(e));
}

}  // namespace jabberadmin::stream
