// XEP-0124 BOSH with XEP-0206 (XMPP over BOSH) at /http-bind: a session is a net::Transport
// like a TCP or WebSocket connection, so the server starts the same stream::C2s over it
// (SASL, bind, limits, every module). Each POSTed <body/> is parsed (http/bosh_body), its
// rid placed in the session's window (http/bosh_rids), and its children handed to the stream
// as stream bytes, in rid order; what the stream writes is cut into standalone elements (the
// WebSocket framing's, http/websocket_framing) and answers the oldest request held.
//
// Long polling: a session holds at most `hold` requests; the oldest is answered when there is
// something to say, when a newer one arrives past `hold`, or after `wait` seconds. A session
// with no request held for `inactivity` seconds ends, as a TCP connection that is lost.
// Errors end the session with <body type='terminate' condition='…'/> (HTTP 200): an unknown
// sid or a rid outside the window item-not-found, a request that is no <body/> bad-request,
// a child over the stanza limit or more requests at once than allowed policy-violation; a
// body that is not XML at all also gets HTTP 400, and one over the size limit 413 unread.
// Every answer carries Access-Control-Allow-Origin: * and OPTIONS is answered as a CORS
// preflight (cl-jabberd(8) says why that is safe: nothing here rides on cookies).
//
// XEP-0124's finer points: §9 acknowledgements (a client that asks with ack='1' at creation
// gets ack on the creation answer and, when it has sent further, on later ones; its own ack
// lower than an answer sent a while ago brings report/time, so it can ask again for what it
// lost); §10 pause (up to maxpause seconds of inactivity instead of inactivity, every held
// request answered at once; more: policy-violation); §11 overactivity (more requests at
// once than `requests`, one more for a pause or terminate, or a polling session (hold 0)
// sending empty requests faster than `polling`: policy-violation).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "http/bosh_body.hpp"
#include "http/bosh_rids.hpp"
#include "http/routes.hpp"
#include "net/transport.hpp"

namespace jabberadmin::http {

inline constexpr std::string_view kBoshPath = "/http-bind";

struct BoshLimits {
  std::chrono::seconds max_wait{60};    // the longest a request is held (the client's wait, clamped)
  std::chrono::seconds inactivity{60};  // no request held this long: the session ends
  std::chrono::seconds polling{2};      // the shortest interval a polling client (hold 0) must keep
  std::chrono::seconds max_pause{120};  // the longest pause (XEP-0124 §10) a client may ask for
  std::chrono::milliseconds report_after{1000};  // an unacknowledged answer this old is reported (§9.2)
  unsigned max_hold = 1;                // requests held at once (the client's hold, clamped)
  std::size_t max_body = 2 * 65536;     // bytes of one request's body; more: 413, unread
  xml::ParserLimits parser;             // each child's size and depth: the stream's limits
  std::size_t max_output = 1 << 20;     // bytes waiting for a client that does not come back for them
  std::size_t max_sessions = 4096;      // open at once, and from one address
  std::size_t max_sessions_per_address = 64;
};

// What a session answers with: the body of one HTTP 200 text/xml response.
using BoshAnswer = std::function<void(std::string body)>;

class BoshSession final : public net::Transport, public std::enable_shared_from_this<BoshSession> {
 public:
  struct Terms {
    std::chrono::seconds wait;
    unsigned hold;
    std::string to;       // the host the stream is for: every stream header names it
    std::string version;  // the client's xmpp:version
    bool acks = false;    // the client asked for acknowledgements (ack='1' at creation)
  };
  BoshSession(boost::asio::any_io_executor executor, std::string sid, std::string peer, Terms terms,
              BoshLimits limits, std::function<void()> on_gone);
  ~BoshSession() override;

  // The session creation request: opens the stream of events and holds the request until
  // the stream's features answer it.
  void start(std::weak_ptr<net::TransportEvents> events, std::uint64_t rid, std::string client_ver,
             BoshAnswer answer);
  // Any later request of this session.
  void handle(std::uint64_t rid, BoshBody body, BoshAnswer answer);
  // Ends the session with a condition: every request held or waiting is answered with it.
  void fail(std::string_view condition);
  // The server goes: no more answers, no callbacks.
  void abandon();

  std::size_t held() const noexcept { return held_.size(); }
  const std::string& sid() const noexcept { return sid_; }

  // net::Transport
  void send(std::string bytes) override;
  void start_tls() override {}
  bool secure() const override { return true; }  // HTTPS only
  bool tls_available() const override { return false; }
  void close() override;
  const std::string& peer_address() const override { return peer_; }
  void pause_reading(std::chrono::milliseconds duration) override;

 private:
  struct Held {
    std::uint64_t rid;
    BoshAnswer answer;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Waiting {
    BoshBody body;
    BoshAnswer answer;
  };
  void process();
  void apply(std::uint64_t rid, BoshBody body, BoshAnswer answer);
  void feed(std::string bytes);
  void schedule_flush();
  void flush();
  void answer_oldest();
  void arm_timers();
  void on_wait_timer();
  void on_inactive();
  void finish();
  bool overactive(const BoshBody& body) const;
  void note_ack(const BoshBody& body);
  std::uint64_t highest_received() const;
  std::vector<std::pair<std::string, std::string>> creation_attrs() const;

  boost::asio::any_io_executor executor_;
  std::string sid_;
  std::string peer_;
  Terms terms_;
  BoshLimits limits_;  // a copy: the stream may keep its transport past the manager
  std::function<void()> on_gone_;
  std::weak_ptr<net::TransportEvents> events_;
  RidWindow rids_{0, 1};
  std::uint64_t first_rid_ = 0;
  std::string client_ver_;
  std::map<std::uint64_t, Waiting> waiting_;  // ahead of their turn, or while reading is paused
  std::deque<Held> held_;
  std::string out_;                            // what the stream said, not yet answered
  std::string stream_id_, stream_from_;        // from the stream's header (authid, from)
  boost::asio::steady_timer wait_timer_;       // the oldest held request's wait
  boost::asio::steady_timer inactivity_timer_;
  boost::asio::steady_timer resume_timer_;     // the end of a paused read
  std::chrono::steady_clock::time_point paused_until_{};
  std::chrono::seconds pause_{0};               // the client's pause (§10): the inactivity until its next request
  std::chrono::steady_clock::time_point last_request_{};  // a new request's arrival (§11 polling)
  std::deque<std::pair<std::uint64_t, std::chrono::steady_clock::time_point>> sent_;  // answers' times (§9.2)
  std::optional<std::uint64_t> report_;          // the first answer the client's ack says it lacks
  bool created_ = false;   // the creation answer (with the session's attributes) went out
  bool flushing_ = false;  // a flush is posted
  bool closing_ = false;   // the stream ended: the next answer terminates the session
  bool told_closed_ = false;
  bool finished_ = false;
};

class BoshSessions {
 public:
  // start: the stream for a new session's transport (nothing when the server is stopping).
  using Start = std::function<std::weak_ptr<net::TransportEvents>(std::shared_ptr<net::Transport>)>;
  BoshSessions(boost::asio::any_io_executor executor, BoshLimits limits, Start start);
  ~BoshSessions();
  BoshSessions(const BoshSessions&) = delete;
  BoshSessions& operator=(const BoshSessions&) = delete;

  // One HTTP request to /http-bind from peer; reply is called once, now or later.
  void handle(const Request& request, const std::string& peer, std::function<void(Response)> reply);
  std::size_t size() const noexcept { return sessions_.size(); }
  const BoshLimits& limits() const noexcept { return limits_; }

 private:
  void create(const BoshBody& body, std::uint64_t rid, const std::string& peer, BoshAnswer answer);

  boost::asio::any_io_executor executor_;
  BoshLimits limits_;
  Start start_;
  std::map<std::string, std::shared_ptr<BoshSession>, std::less<>> sessions_;
  std::map<std::string, std::size_t, std::less<>> per_address_;
};

// The route at kBoshPath (answered later: Route::defer).
Route bosh_route(BoshSessions& sessions);

}  // namespace jabberadmin::http
