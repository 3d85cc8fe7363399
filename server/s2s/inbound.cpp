#include "s2s/inbound.hpp"

#include <algorithm>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/jid.hpp"
#include "s2s/dialback.hpp"
#include "s2s/links.hpp"
#include "s2s/stream_io.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"

namespace jabberadmin::s2s {
namespace {
using Clock = std::chrono::steady_clock;
// Connected to authenticated, at most; then the idle timeout applies.
constexpr std::chrono::seconds kNegotiationTimeout{60};

// A domain as a peer names it (a header's or db:result's from/to), normalised; "" if it is none.
std::string domain_of(std::string_view text) {
  const auto jid = Jid::parse(text);
  if (!jid || !jid->local.empty() || !jid->resource.empty()) return {};
  return jid->domain;
}
}  // namespace

Inbound::Inbound(Links& links, std::shared_ptr<net::Connection> connection, bool direct_tls)
    : links_(&links), connection_(std::move(connection)), parser_(links.config().parser),
      timer_(links.executor()), direct_tls_(direct_tls), started_(Clock::now()), last_activity_(started_),
      meter_(links.config().rate) {}

void Inbound::start() { arm_timer(); }

std::string Inbound::log_prefix() const {
  return "s2s in " + connection_->peer_address() + (remote_.empty() ? "" : " (" + remote_ + ")") +
         (direct_tls_ ? " (direct TLS)" : "") + ": ";
}

void Inbound::send(std::string bytes) {
  if (!closed_) connection_->send(std::move(bytes));
}

void Inbound::close(std::string_view condition, std::string_view text) {
  if (closed_) return;
  const auto self = shared_from_this();  // closing a handshaking connection ends us at once
  if (!header_sent_) send(stream_header(local_, remote_, new_stream_id(), links_->config().dialback));
  if (!condition.empty()) {
    log::info(log_prefix() + "stream error " + std::string(condition) + (text.empty() ? "" : ": " + std::string(text)));
    send(stream_error(condition, text));
  } else {
    send("</stream:stream>");
  }
  connection_->close();
  end();
}

void Inbound::end() {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  const auto self = shared_from_this();
  if (links_ != nullptr) links_->finished(*this);
}

void Inbound::on_closed() { end(); }

void Inbound::on_tls_ready(bool ok) {
  starting_tls_ = false;
  if (!ok) return end();
  parser_.reset();  // the stream restarts (RFC 6120 §5.4.3.3)
  header_sent_ = false;
}

void Inbound::on_data(std::string_view bytes) {
  if (closed_ || links_ == nullptr) return;
  last_activity_ = Clock::now();
  std::vector<xml::StreamEvent> events;
  const auto error = parser_.feed(bytes, events);
  const auto self = shared_from_this();
  if (meter_.take(*connection_, bytes.size(), events))
    log::info(log_prefix() + "sends faster than the link's rate limit; reading slowed down");
  for (auto& event : events) {
    if (closed_ || starting_tls_) return;
    if (auto* open = std::get_if<xml::StreamOpen>(&event)) on_header(open->header);
    else if (auto* element = std::get_if<xml::Element>(&event)) on_element(*element);
    else return close();
  }
  if (!error || closed_ || starting_tls_) return;
  if (*error == xml::ParseError::StanzaTooLarge)
    return close(xml::to_string(*error),
                 "Stanza larger than the limit of " + std::to_string(links_->config().parser.max_stanza_size) + " bytes");
  close(xml::to_string(*error));
}

void Inbound::on_header(const xml::Element& header) {
  if (!header.is("stream", ns::kStreams) || header.attr_or("xmlns") != ns::kServer)
    return close("invalid-namespace", "Server-to-server streams only (jabber:server)");
  const std::string to = domain_of(header.attr_or("to"));
  if (to.empty() || !links_->local(to)) return close("host-unknown", "This server does not serve that domain");
  if (!local_.empty() && to != local_) return close("host-unknown", "Domain changed on restart");
  local_ = to;
  if (const auto from = header.attr("from")) {
    const std::string remote = domain_of(*from);
    if (remote.empty()) return close("invalid-from");
    if (!remote_.empty() && remote != remote_) return close("invalid-from", "Domain changed on restart");
    remote_ = remote;
    if (!links_->policy().allows(remote_)) return close("policy-violation", "Federation with " + remote_ + " is refused here");
  }
  stream_id_ = new_stream_id();
  send(stream_header(local_, remote_, stream_id_, links_->config().dialback));
  header_sent_ = true;
  const std::string version = header.attr_or("version");
  if (version.empty() || version.front() < '1') return close("unsupported-version", "XMPP 1.0 streams only");
  send_features();
  offer_bidi();
}

void Inbound::send_features() {
  std::string features = "<stream:features>";
  // XEP-0288 §2.1: offered before and after TLS, taken only after it.
  if (pairs_.empty()) features += "<bidi xmlns='" + std::string(ns::kBidiFeature) + "'/>";
  if (!connection_->secure()) {
    features += "<starttls xmlns='" + std::string(ns::kTls) + "'><required/></starttls>";
  } else if (pairs_.empty()) {
    if (!remote_.empty() && links_->certificates().valid_for(connection_->tls_session(), remote_))
      features += "<mechanisms xmlns='" + std::string(ns::kSasl) + "'><mechanism>EXTERNAL</mechanism></mechanisms>";
    if (links_->config().dialback) features += "<dialback xmlns='" + std::string(ns::kDialbackFeature) + "'><errors/></dialback>";
  }
  send(features + "</stream:features>");
}

void Inbound::on_element(const xml::Element& element) {
  if (!header_sent_) return close("not-well-formed");
  if (element.is("starttls", ns::kTls)) {
    if (connection_->secure() || !connection_->tls_available()) return close("policy-violation", "TLS is on already");
    send("<proceed xmlns='" + std::string(ns::kTls) + "'/>");
    starting_tls_ = true;
    return connection_->start_tls();
  }
  // STARTTLS is required: nothing else before it.
  if (!connection_->secure()) return close("not-authorized", "STARTTLS first");
  if (element.is("bidi", ns::kBidi)) return on_bidi();
  if (element.is("auth", ns::kSasl)) return on_auth(element);
  if (element.is("result", ns::kDialback)) return on_result(element);
  if (element.is("verify", ns::kDialback)) return on_verify(element);
  if (is_server_stanza(element)) return on_stanza(element);
  close("unsupported-stanza-type");
}

void Inbound::on_auth(const xml::Element& auth) {
  const auto fail = [&](std::string_view condition) {
    send("<failure xmlns='" + std::string(ns::kSasl) + "'><" + std::string(condition) + "/></failure>");
  };
  if (!pairs_.empty()) return close("policy-violation", "Authenticated already");
  if (auth.attr_or("mechanism") != "EXTERNAL") return fail("invalid-mechanism");
  // RFC 6120 §6.4.3: the authorization identity, or "=" for the stream's 'from'.
  std::string identity = remote_;
  if (const std::string text = auth.text(); !text.empty() && text != "=") {
    const auto decoded = encoding::base64_decode(text);
    if (!decoded) return fail("incorrect-encoding");
    identity = domain_of(*decoded);
  }
  if (identity.empty() || (!remote_.empty() && identity != remote_)) return fail("invalid-authzid");
  if (!links_->policy().allows(identity)) return close("policy-violation", "Federation with " + identity + " is refused here");
  if (!links_->certificates().valid_for(connection_->tls_session(), identity)) {
    log::info(log_prefix() + "SASL EXTERNAL refused: the certificate is not valid for " + identity);
    return fail("not-authorized");
  }
  send("<success xmlns='" + std::string(ns::kSasl) + "'/>");
  remote_ = identity;
  parser_.reset();  // the stream restarts
  header_sent_ = false;
  authenticated(local_, identity);
  if (closed_) return;
  log::info(log_prefix() + "authenticated " + identity + " by its certificate (SASL EXTERNAL)");
}

void Inbound::on_result(const xml::Element& result) {
  const std::string from = domain_of(result.attr_or("from"));
  const std::string to = domain_of(result.attr_or("to"));
  if (from.empty()) return close("invalid-from");
  if (to.empty() || !links_->local(to)) return close("host-unknown", "This server does not serve that domain");
  if (!links_->config().dialback)
    return close("not-authorized", "Dialback is off here: a certificate valid for " + from + " is required");
  if (!links_->policy().allows(from)) return close("policy-violation", "Federation with " + from + " is refused here");
  if (pairs_.contains({to, from})) return;
  if (++pending_verifies_ > 4) return close("policy-violation", "Too many dialback requests at once");
  std::weak_ptr<Inbound> weak = shared_from_this();
  links_->verify(to, from, stream_id_, result.text(), [weak, from, to](bool valid) {
    const auto self = weak.lock();
    if (!self || self->closed_) return;
    --self->pending_verifies_;
    self->send("<db:result from='" + xml::escape_attr(to) + "' to='" + xml::escape_attr(from) + "' type='" +
               (valid ? "valid" : "invalid") + "'/>");
    if (!valid) {
      log::info(self->log_prefix() + "dialback for " + from + " failed");
      return self->close();
    }
    log::info(self->log_prefix() + "authenticated " + from + " by dialback");
    self->authenticated(to, from);
  });
}

void Inbound::on_verify(const xml::Element& verify) {
  // We are the authoritative server: is this the key we gave for that stream?
  const std::string from = domain_of(verify.attr_or("from"));
  const std::string to = domain_of(verify.attr_or("to"));
  const std::string id = verify.attr_or("id");
  const bool valid = !from.empty() && !to.empty() && !id.empty() && links_->local(to) &&
                     same_key(verify.text(), links_->key(from, to, id));
  send("<db:verify from='" + xml::escape_attr(to) + "' to='" + xml::escape_attr(from) + "' id='" +
       xml::escape_attr(id) + "' type='" + (valid ? "valid" : "invalid") + "'/>");
}

void Inbound::authenticated(const std::string& local, const std::string& remote) {
  if (!carries(remote) && !links_->admit(*this, remote))
    return close("resource-constraint", "Too many links from " + remote);
  pairs_.emplace(local, remote);
  offer_bidi();
}

// Our stanzas may go to the peer once its domains are authenticated and our stream header
// is out (after SASL the stream restarts first: on_header offers them then).
void Inbound::offer_bidi() {
  if (!bidi_ || !header_sent_ || closed_) return;
  for (const auto& [local, remote] : pairs_) links_->bidirectional(*this, local, remote);
}

bool Inbound::carries(std::string_view remote) const {
  return std::any_of(pairs_.begin(), pairs_.end(), [&](const auto& pair) { return pair.second == remote; });
}

// XEP-0288: the peer will take our stanzas for the domains it authenticates here (§2.2:
// only once they are authenticated, each in the direction of its own pair).
void Inbound::on_bidi() {
  if (bidi_) return;
  bidi_ = true;
  log::info(log_prefix() + "bidirectional (XEP-0288): our stanzas to the peer go back over this stream");
  offer_bidi();
}

void Inbound::forward(const xml::Element& stanza) {
  last_activity_ = Clock::now();
  send(to_link(stanza));
}

void Inbound::on_stanza(const xml::Element& element) {
  if (pairs_.empty()) return close("not-authorized", "Authenticate first");
  auto incoming = incoming_stanza(
      element, [this](const std::string& domain) { return carries(domain); },
      [this](const std::string& domain) { return links_->local(domain); });
  if (const auto* refusal = std::get_if<Refusal>(&incoming)) return close(refusal->condition, refusal->text);
  auto& [stanza, from, to] = std::get<Incoming>(incoming);
  links_->deliver(stanza, std::move(from), std::move(to));
}

void Inbound::arm_timer() {
  timer_.expires_after(std::chrono::seconds(5));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    const auto self = weak.lock();
    if (ec || !self || self->closed_ || self->links_ == nullptr) return;
    const auto now = Clock::now();
    if (self->pairs_.empty() && now - self->started_ > kNegotiationTimeout)
      return self->close("connection-timeout", "Not authenticated in time");
    if (now - self->last_activity_ > self->links_->config().idle_timeout) return self->close();
    self->arm_timer();
  });
}

}  // namespace jabberadmin::s2s
