// One client-to-server stream (RFC 6120): stream header, features, STARTTLS, SASL (the
// mechanisms of sasl::Mechanisms, driven through a sasl::Exchange),
// resource binding; then stanzas, checked and stamped, go to the SessionHost.
//
//   Opening -> (TLS) -> Authenticating -> Restarted -> Bound -> Closed
//
// With stream management (XEP-0198, stream/management.hpp) a bound stream whose connection
// is lost without </stream> may be Detached instead: still bound, its stanzas queued, until
// another stream of the account resumes it (take_over) or the module ends it.
//
// Runs on one executor; everything it waits for (TLS, LDAP, timers) comes back there.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/admission.hpp"
#include "net/transport.hpp"
#include "stream/authenticator.hpp"
#include "stream/failure_limiter.hpp"
#include "stream/features.hpp"
#include "stream/management.hpp"
#include "stream/rate_limit.hpp"
#include "stream/sasl_exchange.hpp"
#include "stream/sasl_mechanisms.hpp"
#include "stream/session.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::stream {

class C2s;

// bytes random bytes from OpenSSL in hex: stream ids, generated resources.
std::string random_hex(std::size_t bytes);

struct C2sConfig {
  bool tls_required = true;                        // no SASL before STARTTLS
  xml::ParserLimits parser;
  std::chrono::milliseconds negotiation_timeout{60000};  // connect -> bound resource
  std::chrono::milliseconds idle_timeout{600000};        // nothing at all from the client
  std::chrono::milliseconds keepalive_interval{60000};   // whitespace when we sent nothing
  int max_auth_attempts = 3;                       // per stream, then policy-violation
  std::size_t max_resources_per_account = 16;      // bound at once; more: resource-constraint
  RateLimits rate;                                 // what a connection, then its account, may send
  // Past an account's free failures (its limiter's limit) each new check for it waits this
  // long first, doubled for every further failure, at most throttle_cap.
  std::chrono::milliseconds throttle_first{1000};
  std::chrono::milliseconds throttle_cap{16000};
};

// What all streams share.
struct C2sContext {
  Authenticator& authenticator;
  SessionHost& host;
  FailureLimiter& address_failures;  // by remote address: refused at the limit
  FailureLimiter& account_failures;  // by account name (every host): slowed, never refused
  AccountRates& account_rates;       // what each account's streams send, metered together
  std::function<void(C2s&)> on_finished;  // the connection is gone; drop the stream
  const StreamFeatures* features = nullptr;  // what the modules offer; none: only the stream's own
  // The SASL mechanisms offered; none: PLAIN alone, checked by the authenticator.
  const sasl::Mechanisms* mechanisms = nullptr;
};

class C2s final : public std::enable_shared_from_this<C2s>, public Session, public net::TransportEvents {
 public:
  C2s(boost::asio::any_io_executor executor, std::shared_ptr<net::Transport> transport, C2sContext context,
      C2sConfig config, std::optional<net::Admission::Ticket> ticket);
  ~C2s() override;

  // Starts the timers and answers the admission ticket's eviction (evict()).
  void start();
  // Server shutdown: <system-shutdown/> and close.
  void shutdown();
  // Admission needs this unauthenticated stream's place for a newcomer.
  void evict();
  bool closed() const noexcept { return state_ == State::Closed; }

  // Stream management (the sm module).
  bool authenticated() const noexcept { return authenticated_; }
  bool bound() const noexcept { return bound_; }
  bool detached() const noexcept { return state_ == State::Detached; }
  const std::string& username() const noexcept { return username_; }
  const std::string& domain() const noexcept { return domain_; }
  // Writes a nonza (not a stanza: never counted or queued) to the client, as an element or
  // as bytes serialized beforehand; resend writes a resumed stream's unacknowledged stanzas
  // (counted already).
  void send_nonza(const xml::Element& element);
  void send_nonza(std::string bytes);
  void resend(std::string stanza) { send_nonza(std::move(stanza)); }
  // Management enabled on this bound stream: from now on it hears of every stanza.
  void manage(std::unique_ptr<Managed> managed) { managed_ = std::move(managed); }
  Managed* managed() const noexcept { return managed_.get(); }
  // Resumption: this authenticated, unbound stream becomes `old`'s session (its JID, its
  // management state and its place in the router, through SessionHost::transfer); `old`
  // ends without leaving the router (its connection, if it still has one, is closed with
  // <conflict/>). False, nothing changed, when the host does not have `old` bound.
  bool take_over(C2s& old);
  // What the control channel shows of a stream (cl-jabberctl sessions): the client's
  // address, when its resource was bound (a resumed session's: the first stream's), the TLS
  // version ("" without TLS or not known on this transport).
  const std::string& peer_address() const { return transport_->peer_address(); }
  std::chrono::system_clock::time_point bound_since() const noexcept { return bound_since_; }
  std::string tls_version() const;
  // Session
  const Jid& jid() const override { return jid_; }
  void deliver(const xml::Element& stanza) override;
  void deliver_serialized(std::string stanza) override;
  void terminate(std::string_view condition, std::string_view text = {}) override;
  void filter_outbound(OutboundFilter filter) override { outbound_filter_ = std::move(filter); }
  void send_now(std::string bytes) override;

  // net::TransportEvents
  void on_data(std::string_view bytes) override;
  void on_tls_ready(bool ok) override;
  void on_closed() override;

 private:
  enum class State { Opening, Negotiating, StartingTls, Authenticating, Established, Detached, Closing, Closed };

  void throttle(std::size_t bytes, const std::vector<xml::StreamEvent>& events);
  void on_header(const xml::Element& header);
  void on_element(xml::Element element);
  void negotiate(const xml::Element& element);
  void established(xml::Element element);
  void send_features();
  void on_auth(const xml::Element& auth);
  // Runs mechanism on this stream's exchange, framed as RFC 6120's SASL or, with sasl2_,
  // XEP-0388's; initial: the initial response (base64), if the client gave one.
  void start_exchange(std::unique_ptr<sasl::Mechanism> mechanism, std::string mechanism_name,
                      std::optional<std::string> initial);
  void on_sasl_response(const xml::Element& response);
  void authenticated_as(const std::string& username);
  // SASL2 (XEP-0388), with Bind2 (XEP-0386) and FAST (XEP-0484): stream/c2s_sasl2.cpp.
  xml::Element sasl2_feature() const;
  void on_authenticate(const xml::Element& authenticate);
  void sasl2_success(const std::string& username, std::string additional);
  // Bind2: binds a resource made from the client's <tag/> and sets up the inline features
  // into bound; false when the account has no room for another resource.
  bool bind2(const xml::Element& request, xml::Element& bound);
  bool bind_resource(const std::string& resource);
  void sasl_message(std::string_view base64);
  void sasl_success(const std::string& username, std::string additional);
  // counted: one of the stream's failed attempts (max_auth_attempts)
  void sasl_failure(std::string_view condition, std::string_view text = {}, bool counted = true);
  void on_bind(const xml::Element& iq);
  void restart();
  void send(std::string bytes);
  void send(const xml::Element& element);
  void stream_error(std::string_view condition, std::string_view text = {});
  void close_stream();
  void finish();
  void end_detached();
  void leave_router();
  void arm_timer();
  void on_tick();
  Management* management() const;
  std::string log_prefix() const;

  boost::asio::any_io_executor executor_;
  std::shared_ptr<net::Transport> transport_;
  std::chrono::system_clock::time_point bound_since_{};
  C2sContext context_;
  C2sConfig config_;
  std::optional<net::Admission::Ticket> ticket_;
  std::unique_ptr<Managed> managed_;  // stream management enabled
  xml::StreamParser parser_;
  boost::asio::steady_timer timer_;
  RateBuckets connection_rate_;               // before login: this connection's own
  std::shared_ptr<RateBuckets> account_rate_;  // after: the account's, shared with its streams
  std::optional<sasl::Mechanisms> plain_only_;  // when the context gives no mechanisms
  const sasl::Mechanisms& mechanisms_;
  std::shared_ptr<sasl::Exchange> exchange_;  // the SASL exchange under way
  bool sasl2_ = false;                         // that exchange is framed as SASL2
  std::optional<xml::Element> authenticate_;   // SASL2: the client's <authenticate/>, until success
  std::string client_id_;                      // SASL2: its <user-agent id=.../>
  std::optional<LoginToken> rotated_token_;    // FAST: the next token, for <success/>
  State state_ = State::Opening;
  bool header_sent_ = false;
  bool authenticated_ = false;
  bool awaiting_response_ = false;  // the exchange waits for the client's <response/>
  bool bound_ = false;
  bool routed_ = false;  // bound and not yet unbound
  bool throttled_ = false;  // logged once per stream
  int auth_failures_ = 0;
  std::string domain_;
  std::string username_;
  std::string stream_id_;
  Jid jid_;
  OutboundFilter outbound_filter_;  // XEP-0352: set while the client is inactive
  std::chrono::steady_clock::time_point started_, last_read_, last_write_;
};

}  // namespace jabberadmin::stream
