// A stream a remote server opened to us (RFC 6120 server-to-server, we are the receiving
// server): header, STARTTLS (required), then the remote domain proves itself with SASL
// EXTERNAL (its certificate valid for it) or XEP-0220 dialback (checked with its
// authoritative server); the stanzas it then sends are checked ('from' on an authenticated
// domain, 'to' on ours) and routed. It also answers db:verify as the authoritative server.
// When the peer asks for it (XEP-0288), the stream also carries our stanzas back to each
// domain it authenticated, so that one connection serves both directions.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "net/connection.hpp"
#include "s2s/incoming.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::s2s {

class Links;

class Inbound final : public std::enable_shared_from_this<Inbound>, public net::TransportEvents {
 public:
  // direct_tls: it came to s2s_tls_port (XEP-0368), TLS from the first byte.
  Inbound(Links& links, std::shared_ptr<net::Connection> connection, bool direct_tls);
  void start();
  // Our side ends it (shutdown, a limit): an optional stream error, then close.
  void close(std::string_view condition = {}, std::string_view text = {});
  // The links go away: nothing may reach them any more.
  void detach() { links_ = nullptr; }
  // Whether the peer authenticated remote on this stream.
  bool carries(std::string_view remote) const;
  // A stanza (jabber:client, addresses set) from one of our domains to one the peer
  // authenticated on this bidirectional stream (Links::bidirectional).
  void forward(const xml::Element& stanza);

  void on_data(std::string_view bytes) override;
  void on_tls_ready(bool ok) override;
  void on_closed() override;

 private:
  void on_header(const xml::Element& header);
  void on_element(const xml::Element& element);
  void send_features();
  void on_auth(const xml::Element& auth);
  void on_result(const xml::Element& result);
  void on_verify(const xml::Element& verify);
  void on_stanza(const xml::Element& stanza);
  void on_bidi();
  void offer_bidi();
  void authenticated(const std::string& local, const std::string& remote);
  void send(std::string bytes);
  void end();
  void arm_timer();
  std::string log_prefix() const;

  Links* links_;
  std::shared_ptr<net::Connection> connection_;
  xml::StreamParser parser_;
  boost::asio::steady_timer timer_;
  std::string stream_id_;
  std::string local_;   // the header's 'to'
  std::string remote_;  // the header's 'from'
  std::set<std::pair<std::string, std::string>> pairs_;  // authenticated (our domain, theirs)
  bool direct_tls_;
  bool header_sent_ = false;
  bool starting_tls_ = false;
  bool closed_ = false;
  bool bidi_ = false;  // the peer asked for XEP-0288
  int pending_verifies_ = 0;
  std::chrono::steady_clock::time_point started_, last_activity_;
  ReadMeter meter_;
};

}  // namespace jabberadmin::s2s
