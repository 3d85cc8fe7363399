// Our link to one remote domain for one of our domains (RFC 6120 server-to-server, we are
// the initiating server): resolve, connect, STARTTLS (required), then authenticate with
// SASL EXTERNAL when the peer offers it, else XEP-0220 dialback when allowed. Stanzas wait
// in a bounded queue meanwhile; if the link fails or is not up in time they bounce to
// their senders. The same connection carries our db:verify questions as soon as TLS is
// up, authenticated or not (XEP-0220 §2.3). When the peer offers it, the link is made
// bidirectional (XEP-0288): the peer then sends its stanzas for us back over it, from the
// domain we linked to and to the one we linked from, metered like an inbound stream's.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/connection.hpp"
#include "s2s/incoming.hpp"
#include "s2s/resolver.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::s2s {

class Links;

class Outbound final : public std::enable_shared_from_this<Outbound>, public net::TransportEvents {
 public:
  Outbound(Links& links, std::string local, std::string remote);
  // Resolves and connects.
  void start();
  // A stanza (jabber:client, addresses set) for the remote domain: sent, or queued until
  // the link is up; refused with a bounce when the queue is full.
  void send(const xml::Element& stanza);
  // db:verify for an inbound stream's key; done(valid) once the answer comes (false if the
  // link fails first).
  void verify(const std::string& stream_id, const std::string& key, std::function<void(bool)> done);
  // Shutdown or a limit: closes and bounces what waits.
  void close();
  void detach() { links_ = nullptr; }
  const std::string& local() const noexcept { return local_; }
  const std::string& remote() const noexcept { return remote_; }

  void on_data(std::string_view bytes) override;
  void on_tls_ready(bool ok) override;
  void on_closed() override;

 private:
  enum class State { Resolving, Connecting, Opening, Negotiating, StartingTls, Authenticating, Restarting, Ready, Closed };
  struct Verify {
    std::string stream_id, key;
    std::function<void(bool)> done;
  };

  void try_target(std::size_t index);
  void connected(boost::asio::ip::tcp::socket socket, bool direct_tls);
  void open_stream();
  void on_header(const xml::Element& header);
  void on_features(const xml::Element& features);
  void on_element(const xml::Element& element);
  void on_dialback_result(const xml::Element& result);
  void on_stanza(const xml::Element& element);
  void ready();
  void send_verifies();
  // The link is over: why (for the log), and the error the queued stanzas bounce with.
  void fail(const std::string& why, std::string_view condition);
  void finish();
  void write(std::string bytes);
  void arm_timer();
  std::string log_prefix() const;

  Links* links_;
  std::string local_, remote_;
  State state_ = State::Resolving;
  std::vector<Target> targets_;
  boost::asio::ip::tcp::resolver dns_;
  std::shared_ptr<boost::asio::ip::tcp::socket> socket_;  // while connecting
  std::shared_ptr<net::Connection> connection_;
  xml::StreamParser parser_;
  boost::asio::steady_timer timer_;
  std::string stream_id_;    // the peer's id for our stream (the dialback key's)
  bool dialback_offered_ = false;
  bool tried_external_ = false;
  bool can_verify_ = false;  // TLS is up: db:verify may go
  bool direct_tls_ = false;  // the target was an _xmpps-server one (XEP-0368)
  bool bidi_ = false;        // we asked for XEP-0288: the peer's stanzas come back here
  ReadMeter meter_;
  std::deque<xml::Element> queue_;
  std::deque<Verify> verifies_;  // not sent yet
  std::map<std::string, std::vector<std::function<void(bool)>>> asked_;  // sent, by stream id
  std::chrono::steady_clock::time_point started_, last_activity_;
};

}  // namespace jabberadmin::s2s
