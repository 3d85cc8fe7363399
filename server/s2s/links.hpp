// Every server-to-server link of this server: the inbound streams remote servers opened
// (s2s/inbound) and the outbound links we opened, one per (local domain, remote domain)
// (s2s/outbound); the domain policy, the limits, the dialback secret and the stanzas that
// enter and leave through them. A stanza for a remote domain leaves by our outbound link to
// it if there is one (so that what waits in its queue keeps its order), else by an inbound
// stream the peer made bidirectional for that pair (XEP-0288), else by a new outbound link.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "router/router.hpp"
#include "s2s/peer_tls.hpp"
#include "s2s/policy.hpp"
#include "s2s/resolver.hpp"
#include "stream/rate_limit.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::s2s {

class Inbound;
class Outbound;

struct LinkConfig {
  bool dialback = true;                     // s2s_dialback
  xml::ParserLimits parser;                 // max_stanza_size, as for clients
  std::size_t queue_size = 100;             // stanzas waiting for one link
  std::chrono::milliseconds queue_timeout{30000};   // a link must be up by then
  std::chrono::milliseconds idle_timeout{600000};   // silent links close
  std::size_t max_links_per_domain = 4;     // inbound, from one remote domain
  std::size_t max_links = 256;              // inbound and outbound together
  stream::RateLimits rate{0, 0, 0, 0};      // what one inbound link may send (0: no limit)
};

class Links {
 public:
  Links(boost::asio::any_io_executor executor, router::Router& router, LinkConfig config, DomainPolicy policy,
        std::shared_ptr<boost::asio::ssl::context> tls, std::shared_ptr<const CertificateCheck> certificates,
        std::vector<S2sRoute> routes);
  ~Links();
  Links(const Links&) = delete;
  Links& operator=(const Links&) = delete;

  // A stanza for a remote domain (the router's route_remote hook).
  void send(const stream::Stanza& stanza);
  // A connection a remote server opened on s2s_port, or on s2s_tls_port (direct_tls: the
  // TLS handshake comes first, XEP-0368).
  void accept(boost::asio::ip::tcp::socket socket, bool direct_tls);
  // SIGHUP: the certificate again, for new links.
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }

  // For the streams.
  const LinkConfig& config() const noexcept { return config_; }
  const DomainPolicy& policy() const noexcept { return policy_; }
  const CertificateCheck& certificates() const noexcept { return *certificates_; }
  const std::shared_ptr<boost::asio::ssl::context>& tls() const noexcept { return tls_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  Resolver& resolver() noexcept { return resolver_; }
  // A domain this server answers for: a login host or a component's (MUC).
  bool local(std::string_view domain) const { return router_.serves(domain) || router_.serves_component(domain); }
  // This server's dialback key for a stream (XEP-0185).
  std::string key(std::string_view receiving, std::string_view originating, std::string_view stream_id) const;
  // XEP-0220 §2.3: asks remote's authoritative server, over our link to it (made if
  // needed), whether key is the one it gave for stream_id; done(valid) on the io executor.
  void verify(const std::string& local, const std::string& remote, const std::string& stream_id,
              const std::string& key, std::function<void(bool)> done);
  // Answers a stanza that cannot reach its remote domain with condition, when RFC 6120
  // allows an answer (policy.hpp: bounceable).
  void bounce(const xml::Element& stanza, std::string_view condition, std::string_view text = {});
  // A stanza an authenticated inbound link brought, its addresses checked.
  void deliver(const xml::Element& stanza, Jid from, Jid to);
  // An inbound stream authenticated remote: false (it must close) above the per-domain limit.
  bool admit(const Inbound& stream, const std::string& remote);
  // An authenticated inbound stream will carry our stanzas from local to remote (XEP-0288).
  void bidirectional(Inbound& stream, const std::string& local, const std::string& remote);
  void finished(Inbound& stream);
  void finished(Outbound& link);
  std::size_t link_count() const noexcept { return inbound_.size() + outbound_.size(); }

 private:
  std::shared_ptr<Outbound> outbound(const std::string& local, const std::string& remote);

  boost::asio::any_io_executor executor_;
  router::Router& router_;
  LinkConfig config_;
  DomainPolicy policy_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<const CertificateCheck> certificates_;
  Resolver resolver_;
  std::string secret_;  // random per start: keys of an earlier run are worthless
  std::map<Inbound*, std::shared_ptr<Inbound>> inbound_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Outbound>> outbound_;  // (local, remote)
  std::map<std::pair<std::string, std::string>, Inbound*> bidi_;  // (local, remote): a stream of inbound_
};

}  // namespace jabberadmin::s2s
