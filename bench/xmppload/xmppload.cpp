// xmppload: an XMPP client load generator for loopback benchmarks (Boost.Asio + OpenSSL + expat).
//
// Scenarios (one JSON line each on stdout, progress on stderr):
//   login  C clients log in (TLS, SASL PLAIN, bind, session if required, roster get, initial
//          presence) with at most W in flight; then, with --idle-seconds T, they stay connected
//          T seconds and an "idle" line reports the server's memory per connection and its CPU.
//   chat   2P clients log in as P pairs, then exchange messages at increasing target rates;
//          each body carries the send time, so the receiver measures end-to-end latency;
//          every message is counted, so losses show. With --peer-port Q --peer-domain E each
//          pair's second client logs in to a second server (port Q, domain E): every
//          message then crosses a server-to-server link, one way or the other (federation).
//   muc    R clients log in and enter one room (XEP-0045, no history); then S of them post
//          groupchat messages at increasing rates, each step bounded in time, and every
//          occupant counts what it receives (timestamp in the body): delivered stanzas/s =
//          messages x occupants received per second, latency from send to each copy.
//   mam    1 + S clients: S senders fill the first client's archive with N chat messages
//          through the server, pipelined (a bounded window), then that client asks Q times,
//          one after another, for the last 50 messages of its archive (XEP-0313 with
//          XEP-0059 <before/>) and times each answer.
// --mechanism chooses how the clients log in (README "Login mechanisms"):
//   plain          RFC 6120 SASL PLAIN, then bind (the server checks it with an LDAP bind);
//   scram-sha-256  RFC 6120 SASL SCRAM-SHA-256, then bind; the server's signature is checked;
//   fast           XEP-0388 SASL2 with a XEP-0484 FAST token (HT-SHA-256-NONE) and XEP-0386
//                  Bind2 inline, no stream restart and no separate bind.
// For scram-sha-256 and fast every client first logs in once, untimed (the warm-up): SCRAM
// over SASL2 asking for a token for fast, plain SCRAM for scram-sha-256, which leaves the
// client's SaltedPassword cached as real clients keep it. For fast the warm-up also uses each
// token once, because a token's first use is not a steady-state login: the server moves it
// from "new" to "current" in its store, a write later logins do not make. --fast-first-use
// leaves that out, so the timed storm measures the first use instead. The timed storm follows.
// --transport chooses how the stream travels (README "Over WebSocket"):
//   tcp        RFC 6120 on the client port: STARTTLS (or --direct-tls), one byte stream;
//   websocket  RFC 7395 on the server's HTTPS port: TLS, an HTTP Upgrade to WebSocket
//              (Boost.Beast, subprotocol xmpp, at --websocket-path), <open/> instead of the
//              stream header (also for the restart after SASL), one element per message.
//              Only the transport differs: every scenario and mechanism runs over either.
// With --sm every client enables XEP-0198 stream management (resumable) after binding,
// answers the server's <r/> with its count of stanzas handled, and asks for an ack itself
// every 5 stanzas it sends (as slixmpp does), so the cost of stream management shows.
// Server CPU and memory come from /proc/PID/{stat,status} of the PIDs given with --server-pid
// (and --ldap-pid for the directory), sampled at the phase boundaries; the generator's own CPU
// from getrusage, so a reader can see which side was the limit.
//
// Hard bounds: the target must be a loopback address (127.0.0.0/8 or ::1; no name lookup),
// at most --max-connections clients, and the whole run ends after --max-duration seconds.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <utility>  // before Boost 1.74 asio/awaitable.hpp, which uses std::exchange without it
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "muc_mam.hpp"
#include "sasl_client.hpp"
#include "websocket_framing.hpp"
#include "xml_reader.hpp"

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace xmppload {
namespace {

// ---------------------------------------------------------------- options

struct Options {
  std::string target = "127.0.0.1";
  std::uint16_t port = 5222;
  bool direct_tls = false;
  std::string transport = "tcp";  // tcp | websocket
  std::string websocket_path = "/xmpp-websocket";
  bool sm = false;  // --sm: XEP-0198 on every client
  std::string domain;
  std::string user_format = "u{i}";
  std::string password_format = "secret";
  std::size_t first = 0;
  std::string mode = "login";
  std::string mechanism = "plain";  // plain | scram-sha-256 | fast
  bool fast_first_use = false;      // --fast-first-use: time each token's first use
  std::size_t clients = 100;
  std::size_t concurrency = 200;
  double login_timeout = 60;
  double idle_seconds = 0;
  double settle_seconds = 5;
  std::size_t pairs = 500;
  std::uint16_t peer_port = 0;  // chat: each pair's second client on this server, domain peer_domain
  std::string peer_domain;
  std::vector<double> rates{1000, 2000, 4000, 8000, 16000, 32000, 64000};
  double step_seconds = 5;
  double drain_seconds = 5;
  std::size_t body_bytes = 64;
  std::size_t per_source = 16;  // clients per loopback source address; 0 = let the kernel pick
  std::size_t max_connections = 12000;
  double max_duration = 900;
  std::vector<int> server_pids, ldap_pids;
  std::string label;
  // muc
  std::string room = "bench", muc_service;  // muc_service: conference.<domain> unless given
  std::size_t senders = 5;
  double join_timeout = 120;
  // mam
  std::size_t mam_size = 1000, mam_window = 500, mam_queries = 200, mam_page = 50;
  double mam_fill_seconds = 600, mam_query_seconds = 120;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "xmppload: " << message << "\n"
            << "usage: xmppload --domain D [--target 127.0.0.1] [--port 5222] [--direct-tls] [--sm]\n"
               "  [--transport tcp|websocket] [--websocket-path /xmpp-websocket]\n"
               "  [--user-format u{i}] [--password-format secret] [--first N]\n"
               "  [--mechanism plain|scram-sha-256|fast] [--fast-first-use]\n"
               "  [--mode login|chat|muc|mam] [--clients C] [--concurrency W] [--login-timeout S]\n"
               "  [--idle-seconds T] [--settle-seconds S]\n"
               "  [--pairs P] [--peer-port Q --peer-domain E] [--rates 1000,2000,...] [--step-seconds S]\n"
               "  [--drain-seconds S] [--body-bytes N]\n"
               "  [--room NAME] [--muc-service JID] [--senders S] [--join-timeout S]\n"
               "  [--mam-size N] [--mam-window N] [--mam-fill-seconds S] [--mam-queries Q] [--mam-page N] [--mam-query-seconds S]\n"
               "  [--per-source N] [--max-connections N] [--max-duration S]\n"
               "  [--server-pid PID,...] [--ldap-pid PID,...] [--label TEXT]\n";
  std::exit(2);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    if (!cur.empty()) out.push_back(cur);
  return out;
}

double number(const std::string& option, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(d) || d < 0) usage_error(option + ": not a number: " + v);
  return d;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--target") o.target = v();
    else if (a == "--port") o.port = static_cast<std::uint16_t>(number(a, v()));
    else if (a == "--direct-tls") o.direct_tls = true;
    else if (a == "--transport") o.transport = v();
    else if (a == "--websocket-path") o.websocket_path = v();
    else if (a == "--sm") o.sm = true;
    else if (a == "--domain") o.domain = v();
    else if (a == "--user-format") o.user_format = v();
    else if (a == "--password-format") o.password_format = v();
    else if (a == "--first") o.first = static_cast<std::size_t>(number(a, v()));
    else if (a == "--mode") o.mode = v();
    else if (a == "--mechanism") o.mechanism = v();
    else if (a == "--fast-first-use") o.fast_first_use = true;
    else if (a == "--clients") o.clients = static_cast<std::size_t>(number(a, v()));
    else if (a == "--concurrency") o.concurrency = std::max<std::size_t>(1, static_cast<std::size_t>(number(a, v())));
    else if (a == "--login-timeout") o.login_timeout = number(a, v());
    else if (a == "--idle-seconds") o.idle_seconds = number(a, v());
    else if (a == "--settle-seconds") o.settle_seconds = number(a, v());
    else if (a == "--pairs") o.pairs = static_cast<std::size_t>(number(a, v()));
    else if (a == "--peer-port") o.peer_port = static_cast<std::uint16_t>(number(a, v()));
    else if (a == "--peer-domain") o.peer_domain = v();
    else if (a == "--rates") {
      o.rates.clear();
      for (const auto& r : split(v(), ',')) o.rates.push_back(number(a, r));
    } else if (a == "--step-seconds") o.step_seconds = number(a, v());
    else if (a == "--drain-seconds") o.drain_seconds = number(a, v());
    else if (a == "--body-bytes") o.body_bytes = static_cast<std::size_t>(number(a, v()));
    else if (a == "--per-source") o.per_source = static_cast<std::size_t>(number(a, v()));
    else if (a == "--max-connections") o.max_connections = static_cast<std::size_t>(number(a, v()));
    else if (a == "--max-duration") o.max_duration = number(a, v());
    else if (a == "--server-pid" || a == "--ldap-pid") {
      auto& list = a == "--server-pid" ? o.server_pids : o.ldap_pids;
      for (const auto& p : split(v(), ',')) list.push_back(static_cast<int>(number(a, p)));
    } else if (a == "--label") o.label = v();
    else if (a == "--room") o.room = v();
    else if (a == "--muc-service") o.muc_service = v();
    else if (a == "--senders") o.senders = static_cast<std::size_t>(number(a, v()));
    else if (a == "--join-timeout") o.join_timeout = number(a, v());
    else if (a == "--mam-size") o.mam_size = static_cast<std::size_t>(number(a, v()));
    else if (a == "--mam-window") o.mam_window = std::max<std::size_t>(1, static_cast<std::size_t>(number(a, v())));
    else if (a == "--mam-fill-seconds") o.mam_fill_seconds = number(a, v());
    else if (a == "--mam-queries") o.mam_queries = static_cast<std::size_t>(number(a, v()));
    else if (a == "--mam-page") o.mam_page = std::max<std::size_t>(1, static_cast<std::size_t>(number(a, v())));
    else if (a == "--mam-query-seconds") o.mam_query_seconds = number(a, v());
    else if (a == "-h" || a == "--help") usage_error("help");
    else usage_error("unknown option " + a);
  }
  if (o.domain.empty()) usage_error("--domain is required");
  if (o.mode != "login" && o.mode != "chat" && o.mode != "muc" && o.mode != "mam") usage_error("--mode: login, chat, muc or mam");
  if (o.mechanism != "plain" && o.mechanism != "scram-sha-256" && o.mechanism != "fast")
    usage_error("--mechanism: plain, scram-sha-256 or fast");
  if (o.fast_first_use && o.mechanism != "fast") usage_error("--fast-first-use needs --mechanism fast");
  if (o.transport != "tcp" && o.transport != "websocket") usage_error("--transport: tcp or websocket");
  if (o.transport == "websocket" && o.direct_tls) usage_error("--direct-tls is for tcp: a WebSocket is always on TLS");
  if (!o.websocket_path.starts_with("/") || o.websocket_path.find_first_of(" \t\r\n") != std::string::npos)
    usage_error("--websocket-path: an absolute path, e.g. /xmpp-websocket");
  if (o.mode == "chat") o.clients = 2 * o.pairs;
  if ((o.peer_port != 0) != !o.peer_domain.empty()) usage_error("--peer-port and --peer-domain go together");
  if (o.peer_port != 0 && o.mode != "chat") usage_error("--peer-port is for --mode chat");
  if (o.mode == "mam") o.clients = 1 + std::max<std::size_t>(1, o.senders);
  if (o.mode == "muc" && (o.senders == 0 || o.senders > o.clients)) usage_error("--senders: between 1 and --clients");
  if (o.muc_service.empty()) o.muc_service = "conference." + o.domain;
  if (o.clients == 0) usage_error("no clients");
  if (o.clients > o.max_connections)
    usage_error(std::to_string(o.clients) + " clients is above --max-connections " + std::to_string(o.max_connections));
  if (o.max_duration <= 0) usage_error("--max-duration must be positive");
  for (const char* c : {"<", ">", "&", "'", "\""})
    for (const std::string* name : {&o.domain, &o.peer_domain, &o.room, &o.muc_service})
      if (name->find(c) != std::string::npos) usage_error("--domain, --peer-domain, --room, --muc-service: no XML specials");
  return o;
}

// Loopback only: a load generator must never be pointed at someone else's server.
asio::ip::address loopback_target(const std::string& text) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (ec) usage_error("--target must be a literal IP address (no name lookup): " + text);
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  if (!address.is_loopback()) usage_error("refusing non-loopback target " + text + " (127.0.0.0/8 or ::1 only)");
  return address;
}

std::string fill(const std::string& format, std::size_t i) {
  std::string out = format;
  for (std::size_t at; (at = out.find("{i}")) != std::string::npos;) out.replace(at, 3, std::to_string(i));
  return out;
}

// ---------------------------------------------------------------- measurements

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double own_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of the given processes (all their threads), in seconds; -1 if none readable.
double cpu_seconds(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  bool any = false;
  for (int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    std::string f;
    double utime = 0, stime = 0;
    for (int n = 3; fields >> f; ++n) {  // field 3 is the state
      if (n == 14) utime = std::strtod(f.c_str(), nullptr);
      if (n == 15) {
        stime = std::strtod(f.c_str(), nullptr);
        break;
      }
    }
    total += (utime + stime) / tick;
    any = true;
  }
  return any ? total : -1;
}

// VmRSS of the given processes, in KiB; -1 if none readable.
double rss_kib(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  double total = 0;
  bool any = false;
  for (int pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.starts_with("VmRSS:")) {
        total += std::strtod(line.c_str() + 6, nullptr);
        any = true;
      }
  }
  return any ? total : -1;
}

struct Sample {
  Clock::time_point at = Clock::now();
  double server_cpu, ldap_cpu, own_cpu;
};

// Latency samples in microseconds; exact percentiles by sorting (a few million at most).
struct Percentiles {
  std::vector<std::uint32_t> us;
  void add(double seconds) {
    us.push_back(static_cast<std::uint32_t>(std::min(seconds * 1e6, 4.0e9)));
  }
  double ms(double q) {
    if (us.empty()) return -1;
    std::sort(us.begin(), us.end());
    const auto i = static_cast<std::size_t>(std::min<double>(static_cast<double>(us.size() - 1),
                                                             std::ceil(q * static_cast<double>(us.size())) - 1));
    return us[i] / 1000.0;
  }
};

// A tiny JSON object writer: numbers, strings and nested raw objects.
class Json {
 public:
  Json& num(const std::string& k, double v) {
    key(k);
    if (!std::isfinite(v)) {
      out_ << "null";
      return *this;
    }
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.4g", v);
    out_ << buf;
    return *this;
  }
  Json& str(const std::string& k, const std::string& v) {
    key(k);
    out_ << '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out_ << '\\' << c;
      else if (static_cast<unsigned char>(c) < 0x20) out_ << ' ';
      else out_ << c;
    }
    out_ << '"';
    return *this;
  }
  Json& raw(const std::string& k, const std::string& v) {
    key(k);
    out_ << v;
    return *this;
  }
  std::string done() const { return out_.str() + "}"; }

 private:
  void key(const std::string& k) {
    out_ << (first_ ? "{" : ",") << '"' << k << "\":";
    first_ = false;
  }
  std::ostringstream out_;
  bool first_ = true;
};

std::string errors_json(const std::map<std::string, std::size_t>& errors) {
  Json j;
  for (const auto& [k, v] : errors) j.num(k, static_cast<double>(v));
  return errors.empty() ? "{}" : j.done();
}

// ---------------------------------------------------------------- the clients

struct Failure {
  std::string kind;
};

struct Client {
  Client(asio::io_context& io, ssl::context& tls) : stream(io, tls), timer(io) {}
  std::size_t index = 0;
  std::string user, password, full_jid;
  std::string domain;     // the server's, in the stream header and SNI
  tcp::endpoint server;   // where it connects
  ssl::stream<tcp::socket> stream;
  // --transport websocket: the WebSocket over `stream`, once upgraded (RFC 7395); none on tcp.
  using WebSocket = websocket::stream<ssl::stream<tcp::socket>&>;
  std::unique_ptr<WebSocket> ws;
  asio::steady_timer timer;
  bool tls = false;
  XmlReader reader;
  // Reads of up to a TLS record's payload (16 KiB), so a roster or a burst of presences takes
  // few; allocated at the first read, not initialised (an idle client touches one page of it).
  // Not expat's own buffer (XML_GetBuffer): that saves a copy per read but wanders through
  // 32 KiB per client, which costs more than the copy when stanzas come one per read (chat).
  static constexpr std::size_t kReadSize = 16384;
  std::unique_ptr<char[]> buf;
  const char* phase = "connect";
  bool done = false, online = false, dead = false, timed_out = false;
  // writes once online: one in flight at a time, the rest gathered behind it; over a
  // WebSocket each element is a message of its own, ending where *_ends say
  std::string pending, inflight;
  std::vector<std::uint32_t> pending_ends, inflight_ends;
  bool writing = false;
  // chat
  Client* partner = nullptr;
  std::uint64_t sent_seq = 0, last_seq_in = 0;
  std::size_t roster_items = 0;
  // SASL2: the <user-agent id=.../> (a UUID), and the FAST token the server last gave
  std::string agent_id, fast_token;
  // --sm: the reader's stanza count when <enabled/> came (h counts from there), and what we sent
  bool sm = false;
  std::uint32_t sm_base = 0, sm_sent = 0;
  // muc: in the room (its presence about us came), refused, or the room is new (status 201)
  bool joined = false, join_refused = false, created = false;
};

class Load {
 public:
  Load(asio::io_context& io, Options options)
      : io_(io), o_(std::move(options)), tls_(ssl::context::tls_client), deadline_(io) {
    tls_.set_verify_mode(ssl::verify_none);  // the peers use self-signed certificates here
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_mode(tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // As a browser asks for its WebSocket: HTTP/1.1 over TLS.
    static constexpr unsigned char kAlpnHttp11[] = "\x08http/1.1";
    if (websocket_transport()) SSL_CTX_set_alpn_protos(tls_.native_handle(), kAlpnHttp11, sizeof kAlpnHttp11 - 1);
    target_ = tcp::endpoint(loopback_target(o_.target), o_.port);
    unsigned char agent_base[16];
    if (RAND_bytes(agent_base, sizeof agent_base) != 1) throw std::runtime_error("no random bytes for the client ids");
    for (std::size_t i = 0; i < o_.clients; ++i) {
      auto c = std::make_unique<Client>(io_, tls_);
      c->index = i;
      c->user = fill(o_.user_format, o_.first + i);
      c->password = fill(o_.password_format, o_.first + i);
      c->agent_id = agent_id(agent_base, i);
      const bool on_peer = o_.peer_port != 0 && i % 2 == 1;  // chat pairs are (2k, 2k + 1)
      c->domain = on_peer ? o_.peer_domain : o_.domain;
      c->server = on_peer ? tcp::endpoint(target_.address(), o_.peer_port) : target_;
      // Every presence stanza any client receives, counted as parsed; in the muc scenario they
      // are read instead (the room's presence about ourselves says we are in).
      if (o_.mode != "muc") c->reader.count_presences(&presences_in_);
      clients_.push_back(std::move(c));
    }
    if (o_.mode == "chat")
      for (std::size_t i = 0; i + 1 < clients_.size(); i += 2) {
        clients_[i]->partner = clients_[i + 1].get();
        clients_[i + 1]->partner = clients_[i].get();
      }
  }

  awaitable<void> run() {
    started_ = Clock::now();
    deadline_.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.max_duration)));
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::cerr << "xmppload: --max-duration " << o_.max_duration << " s reached; stopping\n";
      // The phase under way sees aborted_, reports what it measured so far (marked
      // "aborted") and ends the run; if it cannot within 5 s, the process ends anyway.
      aborted_ = true;
      deadline_.expires_after(std::chrono::seconds(5));
      deadline_.async_wait([this](const boost::system::error_code& e) {
        if (!e) finish(3);
      });
    });
    if (o_.mechanism != "plain" && !aborted_) co_await warm_up();
    co_await login_phase();
    if (o_.mode == "login" && o_.idle_seconds > 0 && !aborted_) co_await idle_phase();
    if (o_.mode == "chat" && !aborted_) co_await chat_phase();
    if (o_.mode == "muc" && !aborted_) co_await muc_phase();
    if (o_.mode == "mam" && !aborted_) co_await mam_phase();
    finish(aborted_ ? 3 : 0);
  }

 private:
  // A version-4 UUID per client: the run's random bytes with the client's index in the last four.
  static std::string agent_id(const unsigned char (&base)[16], std::size_t index) {
    unsigned char b[16];
    std::memcpy(b, base, sizeof b);
    for (int k = 0; k < 4; ++k) b[15 - k] = static_cast<unsigned char>(index >> (8 * k));
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    const std::string hex = encoding::hex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
  }

  Sample sample() const { return Sample{Clock::now(), cpu_seconds(o_.server_pids), cpu_seconds(o_.ldap_pids), own_cpu_seconds()}; }

  awaitable<void> sleep(double seconds) {
    asio::steady_timer t(io_);
    t.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
    co_await t.async_wait(use_awaitable);
  }

  void common(Json& j, const Sample& a, const Sample& b) const {
    const double wall = std::chrono::duration<double>(b.at - a.at).count();
    j.num("wall_s", wall);
    j.num("server_cpu_s", a.server_cpu >= 0 ? b.server_cpu - a.server_cpu : NAN);
    j.num("ldap_cpu_s", a.ldap_cpu >= 0 ? b.ldap_cpu - a.ldap_cpu : NAN);
    j.num("gen_cpu_s", b.own_cpu - a.own_cpu);
  }

  // ---- login storm
  awaitable<void> login_phase() {
    rss_before_ = rss_kib(o_.server_pids);
    ldap_rss_before_ = rss_kib(o_.ldap_pids);
    const Sample a = sample();
    const std::size_t derived_before = keys_.derived();
    launch_more();
    while (finished_ < clients_.size() && !aborted_) co_await sleep(0.005);
    const Sample b = sample();
    const double span = ok_ > 0 ? std::chrono::duration<double>(last_login_ - a.at).count() : 0;
    std::size_t items = 0;
    for (const auto& c : clients_)
      if (c->online) items += c->roster_items;
    const bool aborted = aborted_;
    const std::string errors = errors_json(errors_);
    // Everything above is as of the last login; presences_in alone waits for the presence
    // stanzas still on their way then (the last logins' broadcasts and probe answers: in a
    // 1,000-member group storm, up to 14% of the million), so that it counts every presence
    // the clients receive for these logins.
    const std::size_t presences_at_last_login = presences_in_;
    if (!aborted) co_await presences_settle();
    Json j;
    j.str("scenario", o_.mode == "login" ? "login" : o_.mode + "-login").str("label", o_.label);
    j.num("clients", static_cast<double>(clients_.size())).num("concurrency", static_cast<double>(o_.concurrency));
    j.num("ok", static_cast<double>(ok_)).num("failed", static_cast<double>(clients_.size() - ok_));
    if (aborted) j.str("aborted", "max-duration").num("not_attempted", static_cast<double>(clients_.size() - next_));
    j.raw("errors", errors);
    j.num("logins_per_s", ok_ > 0 && span > 0 ? static_cast<double>(ok_) / span : 0);
    j.num("login_p50_ms", login_ms_.ms(0.50)).num("login_p90_ms", login_ms_.ms(0.90)).num("login_p99_ms", login_ms_.ms(0.99));
    j.num("login_max_ms", login_ms_.ms(1.0));
    j.num("roster_items_avg", ok_ > 0 ? static_cast<double>(items) / static_cast<double>(ok_) : 0);
    j.num("presences_in", static_cast<double>(presences_in_));
    j.str("mechanism", o_.mechanism == "plain" ? "PLAIN" : o_.mechanism == "fast" ? std::string(kHt) : "SCRAM-SHA-256");
    if (o_.mechanism != "plain") {
      // Logins in which the server proved it holds the account's SCRAM keys or the token.
      j.num("server_proved", static_cast<double>(server_proved_));
      j.num("client_pbkdf2_in_storm", static_cast<double>(keys_.derived() - derived_before));
      if (o_.mechanism == "fast") {
        j.num("tokens_rotated", static_cast<double>(tokens_rotated_));
        j.str("fast_token_use", o_.fast_first_use ? "first" : "steady");
      }
      j.num("warmup_ok", static_cast<double>(warm_.ok)).num("warmup_s", warm_s_).num("warmup_gen_cpu_s", warm_cpu_s_);
      j.raw("warmup_errors", errors_json(warm_.errors));
    }
    common(j, a, b);
    const double server = b.server_cpu - a.server_cpu, ldap = b.ldap_cpu - a.ldap_cpu;
    if (ok_ > 0 && a.server_cpu >= 0) {
      j.num("server_cpu_s_per_1000_logins", server / static_cast<double>(ok_) * 1000);
      if (a.ldap_cpu >= 0) j.num("server_plus_ldap_cpu_s_per_1000_logins", (server + ldap) / static_cast<double>(ok_) * 1000);
    }
    j.num("gen_cpu_s_per_1000_logins", ok_ > 0 ? (b.own_cpu - a.own_cpu) / static_cast<double>(ok_) * 1000 : NAN);
    emit(j.done());
    std::cerr << "xmppload: logins done: " << reads_ << " reads, " << read_bytes_ << " bytes, " << presences_in_
              << " presence stanzas (" << presences_at_last_login << " by the last login)\n";
  }

  // Returns once no presence stanza has arrived for 1 s (at most 30 s, or at --max-duration).
  awaitable<void> presences_settle() {
    const auto limit = Clock::now() + std::chrono::seconds(30);
    std::size_t seen = presences_in_;
    auto last_change = Clock::now();
    while (!aborted_ && Clock::now() < limit) {
      co_await sleep(0.05);
      if (presences_in_ != seen) {
        seen = presences_in_;
        last_change = Clock::now();
      } else if (seconds_since(last_change) >= 1.0) {
        co_return;
      }
    }
    std::cerr << "xmppload: presence stanzas still arriving when presences_in was taken\n";
  }

  void launch_more() {
    while (in_flight_ < o_.concurrency && next_ < clients_.size() && !aborted_) {
      Client& c = *clients_[next_++];
      ++in_flight_;
      asio::co_spawn(io_, login(c), asio::detached);
    }
  }

  tcp::endpoint source_for(std::size_t i) const {
    const std::size_t k = i / o_.per_source;
    // 127.1.x.y: loopback sources beside the server's 127.0.0.1, 250 per /24.
    const asio::ip::address_v4::bytes_type b{127, static_cast<unsigned char>(1 + k / 62500),
                                             static_cast<unsigned char>((k / 250) % 250),
                                             static_cast<unsigned char>(k % 250 + 1)};
    return tcp::endpoint(asio::ip::address_v4(b), 0);
  }

  // ---- the transport: bytes of the stream over TCP (in the clear until STARTTLS, then TLS), or
  // over a WebSocket the payload of its messages, which the reader takes as one stream
  bool websocket_transport() const { return o_.transport == "websocket"; }

  awaitable<std::size_t> read_some(Client& c) {
    if (!c.buf) c.buf.reset(new char[Client::kReadSize]);
    const auto into = asio::buffer(c.buf.get(), Client::kReadSize);
    const std::size_t n = c.ws    ? co_await c.ws->async_read_some(into, use_awaitable)
                          : c.tls ? co_await c.stream.async_read_some(into, use_awaitable)
                                  : co_await c.stream.next_layer().async_read_some(into, use_awaitable);
    ++reads_;
    read_bytes_ += n;
    co_return n;
  }
  // One element (or the stream header) while logging in.
  awaitable<void> write(Client& c, const std::string& data) {
    if (c.ws) {
      std::string message;
      append_standalone(message, data);
      co_await c.ws->async_write(asio::buffer(message), use_awaitable);
    } else if (c.tls) {
      co_await asio::async_write(c.stream, asio::buffer(data), use_awaitable);
    } else {
      co_await asio::async_write(c.stream.next_layer(), asio::buffer(data), use_awaitable);
    }
  }
  // TLS, then the HTTP Upgrade asking for the xmpp subprotocol, which the answer must name.
  awaitable<void> upgrade_to_websocket(Client& c) {
    c.ws = std::make_unique<Client::WebSocket>(c.stream);
    c.ws->set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(boost::beast::http::field::sec_websocket_protocol,
                  boost::beast::string_view(kWebSocketSubprotocol.data(), kWebSocketSubprotocol.size()));
      request.set(boost::beast::http::field::user_agent, "xmppload");
    }));
    websocket::response_type response;
    co_await c.ws->async_handshake(response, c.domain + ":" + std::to_string(c.server.port()), o_.websocket_path,
                                   use_awaitable);
    const auto subprotocol = response[boost::beast::http::field::sec_websocket_protocol];
    if (std::string_view(subprotocol.data(), subprotocol.size()) != kWebSocketSubprotocol)
      throw Failure{"websocket-subprotocol-refused"};
    c.ws->text(true);
  }
  awaitable<std::unique_ptr<Element>> next(Client& c) {
    for (;;) {
      auto& q = c.reader.stanzas();
      while (!q.empty()) {
        auto el = std::move(q.front());
        q.pop_front();
        if (el->name == "error" && el->ns == "http://etherx.jabber.org/streams")
          throw Failure{std::string("stream-error:") + (el->children.empty() ? "?" : el->children.front()->name)};
        if (el->ns == kFramingNs) {  // RFC 7395's <open/> answering ours, or <close/>
          if (el->name == "close") throw Failure{"stream-closed"};
          continue;
        }
        co_return el;
      }
      if (c.reader.stream_closed()) throw Failure{"stream-closed"};
      const std::size_t n = co_await read_some(c);
      if (!c.reader.feed(c.buf.get(), n)) throw Failure{"bad-xml"};
    }
  }
  awaitable<std::unique_ptr<Element>> open_stream(Client& c) {
    if (c.ws) {
      // Each <open/> starts a stream the server answers with an <open/> of its own.
      c.reader.reset();
      c.reader.feed(kReaderRoot.data(), kReaderRoot.size());
      co_await write(c, framing_open(c.domain));
    } else {
      co_await write(c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" +
                            c.domain + "' version='1.0' xml:lang='en'>");
    }
    auto features = co_await next(c);
    if (features->name != "features") throw Failure{"no-features"};
    co_return features;
  }
  // Waits for the answer to iq `id`, handling whatever else arrives meanwhile.
  awaitable<std::unique_ptr<Element>> iq_answer(Client& c, std::string_view id) {
    for (;;) {
      auto el = co_await next(c);
      if (el->name == "iq" && el->attr("id") == id) {
        if (el->attr("type") != "result") {
          const Element* error = el->child("error");
          throw Failure{std::string("iq-error:") + (error && !error->children.empty() ? error->children.front()->name : "?")};
        }
        co_return el;
      }
      on_stanza(c, *el);
    }
  }

  // ---- logging in
  static constexpr std::string_view kHt = "HT-SHA-256-NONE";

  void arm_login_timeout(Client& c) {
    c.timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.login_timeout)));
    c.timer.async_wait([&c](const boost::system::error_code& ec) {
      if (ec || c.done) return;
      c.timed_out = true;
      boost::system::error_code ignored;
      c.stream.lowest_layer().close(ignored);
    });
  }

  // What went wrong, as an error kind: ours, the socket's, or another exception's message.
  static std::string kind_of(const Client& c, std::exception_ptr e) {
    try {
      std::rethrow_exception(std::move(e));
    } catch (const Failure& f) {
      return f.kind;
    } catch (const boost::system::system_error& error) {
      return c.timed_out ? "timeout" : error.code() == asio::error::eof ? "eof" : error.code().message();
    } catch (const std::exception& error) {
      return error.what();
    }
  }

  // TCP connect from the client's loopback source, TLS (STARTTLS, --direct-tls, or for a
  // WebSocket first), the upgrade to a WebSocket, and the features of the encrypted stream.
  awaitable<std::unique_ptr<Element>> secure_stream(Client& c) {
    tcp::socket& sock = c.stream.next_layer();
    c.phase = "connect";
    sock.open(c.server.protocol());
    if (o_.per_source > 0 && c.server.address().is_v4()) {
      sock.set_option(asio::socket_base::reuse_address(true));
      sock.bind(source_for(c.index));
    }
    co_await sock.async_connect(c.server, use_awaitable);
    sock.set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(c.stream.native_handle(), c.domain.c_str());
    if (o_.direct_tls || websocket_transport()) {
      c.phase = "tls";
      co_await c.stream.async_handshake(ssl::stream_base::client, use_awaitable);
      c.tls = true;
    }
    if (websocket_transport()) {
      c.phase = "websocket";
      co_await upgrade_to_websocket(c);
    }
    c.phase = "stream";
    auto features = co_await open_stream(c);
    if (!c.tls) {
      c.phase = "starttls";
      if (!features->child("starttls")) throw Failure{"no-starttls"};
      co_await write(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      auto proceed = co_await next(c);
      if (proceed->name != "proceed") throw Failure{"starttls-refused"};
      c.phase = "tls";
      co_await c.stream.async_handshake(ssl::stream_base::client, use_awaitable);
      c.tls = true;
      c.reader.reset();
      c.phase = "stream";
      features = co_await open_stream(c);
    }
    co_return features;
  }

  // Whether a list of <mechanism/> elements (RFC 6120's <mechanisms/>, SASL2's <authentication/>,
  // FAST's <fast/>) names this one.
  static bool offers(const Element* list, std::string_view name) {
    if (list != nullptr)
      for (const auto& m : list->children)
        if (m->name == "mechanism" && m->text == name) return true;
    return false;
  }

  // One SASL exchange, framed as RFC 6120's <auth/> or XEP-0388's <authenticate/> (`extra`:
  // the children SASL2 carries beside the initial response). Challenges go to `scram`; the
  // answer is <success/> and its data, decoded.
  awaitable<std::pair<std::unique_ptr<Element>, std::string>> exchange(Client& c, bool sasl2, std::string_view mechanism,
                                                                       std::string initial, std::string extra,
                                                                       ScramClient* scram) {
    const std::string ns = sasl2 ? "urn:xmpp:sasl:2" : "urn:ietf:params:xml:ns:xmpp-sasl";
    if (sasl2)
      co_await write(c, "<authenticate xmlns='" + ns + "' mechanism='" + std::string(mechanism) + "'><initial-response>" +
                            encoding::base64_encode(initial) + "</initial-response>" + extra + "</authenticate>");
    else
      co_await write(c, "<auth xmlns='" + ns + "' mechanism='" + std::string(mechanism) + "'>" +
                            encoding::base64_encode(initial) + "</auth>");
    auto decode = [](std::string_view text) {
      if (text.empty() || text == "=") return std::string();
      auto bytes = encoding::base64_decode(text);
      if (!bytes) throw Failure{"bad-base64"};
      return *bytes;
    };
    for (;;) {
      auto answer = co_await next(c);
      if (answer->name == "challenge" && scram != nullptr) {
        const std::string response = scram->respond(decode(answer->text));
        co_await write(c, "<response xmlns='" + ns + "'>" + encoding::base64_encode(response) + "</response>");
        continue;
      }
      if (answer->name != "success")
        throw Failure{"sasl-" + answer->name + ":" + (answer->children.empty() ? "?" : answer->children.front()->name)};
      const Element* data = sasl2 ? answer->child("additional-data") : answer.get();
      std::string bytes = data ? decode(data->text) : std::string();
      co_return std::make_pair(std::move(answer), std::move(bytes));
    }
  }

  // RFC 6120 SASL with --mechanism plain or scram-sha-256; a mechanism not offered fails the login.
  awaitable<void> password_login(Client& c, const Element& features) {
    const Element* mechanisms = features.child("mechanisms");
    if (o_.mechanism == "plain") {
      if (!offers(mechanisms, "PLAIN")) throw Failure{"not-offered:PLAIN"};
      co_await exchange(c, false, "PLAIN", std::string(1, '\0') + c.user + std::string(1, '\0') + c.password, {}, nullptr);
      co_return;
    }
    if (!offers(mechanisms, "SCRAM-SHA-256")) throw Failure{"not-offered:SCRAM-SHA-256"};
    ScramClient scram(c.user, c.password, keys_);
    auto [success, data] = co_await exchange(c, false, "SCRAM-SHA-256", scram.first(), {}, &scram);
    scram.success(data);
    ++server_proved_;
  }

  // XEP-0388's <user-agent/>: FAST binds a token to its id.
  static std::string user_agent(const Client& c) {
    return "<user-agent id='" + c.agent_id + "'><software>xmppload</software></user-agent>";
  }

  // The warm-up of --mechanism fast: SASL2 with a password (SCRAM-SHA-256 where offered, as a
  // real client prefers it, else PLAIN), asking for a FAST token, which the client keeps.
  awaitable<void> request_token(Client& c, const Element& features) {
    const Element* authentication = features.child("authentication");
    if (authentication == nullptr) throw Failure{"not-offered:SASL2"};
    const std::string extra = user_agent(c) + "<request-token xmlns='urn:xmpp:fast:0' mechanism='" + std::string(kHt) + "'/>";
    std::unique_ptr<Element> success;
    if (offers(authentication, "SCRAM-SHA-256")) {
      ScramClient scram(c.user, c.password, keys_);
      auto answer = co_await exchange(c, true, "SCRAM-SHA-256", scram.first(), extra, &scram);
      scram.success(answer.second);
      success = std::move(answer.first);
    } else if (offers(authentication, "PLAIN")) {
      success = (co_await exchange(c, true, "PLAIN", std::string(1, '\0') + c.user + std::string(1, '\0') + c.password, extra,
                                   nullptr)).first;
    } else {
      throw Failure{"not-offered:SCRAM-SHA-256-or-PLAIN"};
    }
    const Element* token = success->child("token");
    if (token == nullptr || token->attr("token").empty()) throw Failure{"no-token-issued"};
    c.fast_token = token->attr("token");
  }

  // The timed login of --mechanism fast: SASL2 with the token, Bind2 inline. The server proves
  // it knows the token too (its HT answer is checked); a rotated token replaces the old one.
  awaitable<void> token_login(Client& c, const Element& features) {
    const Element* authentication = features.child("authentication");
    const Element* inline_features = authentication ? authentication->child("inline") : nullptr;
    if (!offers(inline_features ? inline_features->child("fast") : nullptr, kHt)) throw Failure{"not-offered:HT-SHA-256-NONE"};
    if (c.fast_token.empty()) throw Failure{"no-token"};
    const std::string extra =
        user_agent(c) + "<bind xmlns='urn:xmpp:bind:0'><tag>xmppload</tag></bind><fast xmlns='urn:xmpp:fast:0'/>";
    auto [success, data] = co_await exchange(c, true, kHt, ht_initial_response(c.user, c.fast_token), extra, nullptr);
    ht_check_responder(c.fast_token, data);
    ++server_proved_;
    if (const Element* token = success->child("token"); token && !token->attr("token").empty()) {
      c.fast_token = token->attr("token");
      ++tokens_rotated_;
    }
    const Element* jid = success->child("authorization-identifier");
    if (!success->child("bound") || !jid || jid->text.find('/') == std::string::npos) throw Failure{"bind2-not-bound"};
    c.full_jid = jid->text;
  }

  // The SASL step of every login, timed or not: with the FAST token (Bind2 inline), or with
  // the password (for fast, over SASL2 asking for a token).
  awaitable<void> authenticate(Client& c, const Element& features, bool with_token) {
    c.phase = "sasl";
    if (with_token) co_await token_login(c, features);
    else if (o_.mechanism == "fast") co_await request_token(c, features);
    else co_await password_login(c, features);
  }

  awaitable<void> login(Client& c) {
    const auto t0 = Clock::now();
    arm_login_timeout(c);
    try {
      auto features = co_await secure_stream(c);
      co_await authenticate(c, *features, o_.mechanism == "fast");
      if (o_.mechanism != "fast") {
        c.reader.reset();
        c.phase = "stream";
        features = co_await open_stream(c);
        c.phase = "bind";
        co_await write(c, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>load</resource></bind></iq>");
        auto bound = co_await iq_answer(c, "b");
        const Element* bind = bound->child("bind");
        const Element* jid = bind ? bind->child("jid") : nullptr;
        if (!jid || jid->text.empty()) throw Failure{"bind-no-jid"};
        c.full_jid = jid->text;
        if (const Element* session = features->child("session"); session && !session->child("optional")) {
          c.phase = "session";
          co_await write(c, "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
          co_await iq_answer(c, "s");
        }
      }
      if (o_.sm) {
        c.phase = "sm";
        // After SASL2 there are no post-login features to look at: <enable/> is answered <failed/> if unsupported.
        if (o_.mechanism != "fast" && !features->child("sm")) throw Failure{"no-sm"};
        co_await write(c, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
        for (;;) {
          auto el = co_await next(c);
          if (el->name == "failed") throw Failure{"sm-failed"};
          if (el->name == "enabled") break;
          on_stanza(c, *el);
        }
        c.sm = true;
        c.sm_base = c.reader.stanza_count();
      }
      c.phase = "roster";
      co_await write(c, "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
      auto roster = co_await iq_answer(c, "r");
      if (const Element* q = roster->child("query")) c.roster_items = q->child_count();
      c.phase = "presence";
      co_await write(c, "<presence/>");
      c.done = true;
      c.timer.cancel();
      c.online = true;
      login_ms_.add(seconds_since(t0));
      last_login_ = Clock::now();
      ++ok_;
      asio::co_spawn(io_, read_loop(c), asio::detached);
    } catch (...) {
      fail(c, kind_of(c, std::current_exception()));
    }
    --in_flight_;
    ++finished_;
    launch_more();
  }

  // ---- the warm-up (scram-sha-256, fast): every account logs in once on a connection of its
  // own, untimed, then that connection is closed (for fast, a second connection uses the
  // token once). What it leaves is what a client keeps between logins: the SaltedPassword,
  // and for fast the token.
  struct WarmUp {
    std::size_t next = 0, in_flight = 0, finished = 0, ok = 0;
    std::map<std::string, std::size_t> errors;
    std::vector<std::unique_ptr<Client>> used;  // kept until the end: their timers' handlers may still be queued
  };

  awaitable<void> warm_up() {
    const auto t0 = Clock::now();
    const double cpu0 = own_cpu_seconds();
    warm_.next = 0;
    warm_more();
    while (warm_.finished < clients_.size() && !aborted_) co_await sleep(0.005);
    co_await sleep(1.0);  // the server closes the warm-up's connections before the clock starts
    warm_s_ = seconds_since(t0);
    warm_cpu_s_ = own_cpu_seconds() - cpu0;
    warm_.used.clear();
    server_proved_ = tokens_rotated_ = 0;
    std::cerr << "xmppload: warm-up: " << warm_.ok << " of " << clients_.size() << " logged in with a password in "
              << warm_s_ << " s (" << keys_.derived() << " PBKDF2 on the client)\n";
  }

  void warm_more() {
    while (warm_.in_flight < o_.concurrency && warm_.next < clients_.size() && !aborted_) {
      ++warm_.in_flight;
      asio::co_spawn(io_, warm_one(*clients_[warm_.next++]), asio::detached);
    }
  }

  awaitable<void> warm_one(Client& client) {
    bool ok = co_await warm_connection(client, false);
    if (ok && o_.mechanism == "fast" && !o_.fast_first_use) ok = co_await warm_connection(client, true);
    if (ok) ++warm_.ok;
    --warm_.in_flight;
    ++warm_.finished;
    warm_more();
  }

  // One untimed login up to the end of SASL on a connection of its own, then closed; a
  // failure is counted by the phase it failed in. The client keeps the token it ends with.
  awaitable<bool> warm_connection(Client& client, bool with_token) {
    warm_.used.push_back(std::make_unique<Client>(io_, tls_));
    Client& w = *warm_.used.back();
    w.index = client.index;
    w.user = client.user;
    w.password = client.password;
    w.agent_id = client.agent_id;
    w.fast_token = client.fast_token;
    arm_login_timeout(w);
    bool ok = false;
    try {
      auto features = co_await secure_stream(w);
      co_await authenticate(w, *features, with_token);
      client.fast_token = w.fast_token;
      ok = true;
    } catch (...) {
      ++warm_.errors[std::string(w.phase) + ":" + kind_of(w, std::current_exception())];
    }
    w.done = true;
    w.timer.cancel();
    boost::system::error_code ignored;
    w.stream.lowest_layer().close(ignored);
    co_return ok;
  }

  void fail(Client& c, const std::string& kind) {
    c.done = true;
    c.dead = true;
    c.timer.cancel();
    ++errors_[std::string(c.phase) + ":" + kind];
    boost::system::error_code ignored;
    c.stream.lowest_layer().close(ignored);
  }

  // ---- online
  // One element: gathered behind the write in flight, over a WebSocket as a message of its own.
  void send(Client& c, std::string_view data) {
    if (c.dead) return;
    if (c.ws) {
      append_standalone(c.pending, data);
      c.pending_ends.push_back(static_cast<std::uint32_t>(c.pending.size()));
    } else {
      c.pending.append(data);
    }
    if (!c.writing) flush(c);
  }
  void flush(Client& c) {
    c.writing = true;
    c.inflight.swap(c.pending);
    c.pending.clear();
    c.inflight_ends.swap(c.pending_ends);
    c.pending_ends.clear();
    if (c.ws) return write_messages(c, 0);
    asio::async_write(c.stream, asio::buffer(c.inflight),
                      [this, &c](const boost::system::error_code& ec, std::size_t) { written(c, ec); });
  }
  // The WebSocket messages of c.inflight from the k-th on, one after another.
  void write_messages(Client& c, std::size_t k) {
    const std::uint32_t begin = k == 0 ? 0 : c.inflight_ends[k - 1];
    c.ws->async_write(asio::buffer(c.inflight.data() + begin, c.inflight_ends[k] - begin),
                      [this, &c, k](const boost::system::error_code& ec, std::size_t) {
                        if (ec || k + 1 == c.inflight_ends.size()) return written(c, ec);
                        write_messages(c, k + 1);
                      });
  }
  void written(Client& c, const boost::system::error_code& ec) {
    c.writing = false;
    c.inflight.clear();
    c.inflight_ends.clear();
    if (ec) {
      if (!closing_ && !c.dead) ++errors_["online-write:" + ec.message()];
      c.dead = true;
      return;
    }
    if (!c.pending.empty()) flush(c);
  }

  awaitable<void> read_loop(Client& c) {
    try {
      for (;;) {
        auto el = co_await next(c);
        on_stanza(c, *el);
      }
    } catch (const Failure& f) {
      if (!closing_) ++errors_["online:" + f.kind];
    } catch (const boost::system::system_error& e) {
      if (!closing_) ++errors_["online:" + (e.code() == asio::error::eof ? std::string("eof") : e.code().message())];
    }
    c.dead = true;
    c.online = false;
  }

  // Presence stanzas never get here: the reader counts them into presences_in_ as it parses
  // them, whichever coroutine is reading (the login's or read_loop).
  void on_stanza(Client& c, const Element& el) {
    if (el.name == "r" && el.ns == "urn:xmpp:sm:3" && c.sm) {
      send(c, "<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(static_cast<std::uint32_t>(c.reader.stanza_count() - c.sm_base)) +
                  "'/>");
      return;
    }
    if (el.name == "presence") {
      ++presences_in_;
      on_room_presence(c, el);
      return;
    }
    if (el.name == "iq" && &c == awaited_client_ && el.attr("id") == awaited_id_ && !awaited_id_.empty()) {
      on_awaited_answer(el);
      return;
    }
    if (el.name == "message") {
      if (mam_result(el) != nullptr) {
        if (&c == awaited_client_) ++awaited_results_;
        return;
      }
      const Element* body = el.child("body");
      if (body == nullptr) return;
      // "step seq sent-ns padding"
      unsigned long step = 0, seq = 0;
      long long sent_ns = 0;
      if (std::sscanf(body->text.c_str(), "%lu %lu %lld", &step, &seq, &sent_ns) != 3 || step == 0 || step > steps_.size()) {
        ++errors_["chat:foreign-message"];
        return;
      }
      const auto now = Clock::now();
      auto& s = steps_[step - 1];
      s.latency.add(static_cast<double>(now.time_since_epoch().count() - sent_ns) / 1e9);
      ++s.received;
      s.last_receive = now;
      if (o_.mode == "chat") {  // one sender per receiver: its sequence only grows
        if (seq <= c.last_seq_in) ++duplicates_or_reordered_;
        c.last_seq_in = seq;
      }
    } else if (el.name == "iq" && (el.attr("type") == "get" || el.attr("type") == "set")) {
      // Pings and anything else the server asks: answer, as a client must.
      std::string reply = "<iq type='";
      reply += el.child("ping") ? "result'" : "error'";
      reply += " id='" + escape(el.attr("id")) + "'";
      if (!el.attr("from").empty()) reply += " to='" + escape(el.attr("from")) + "'";
      reply += el.child("ping") ? "/>"
                                : "><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>";
      send(c, reply);
    }
  }
  static std::string escape(std::string_view s) {
    std::string out;
    for (char ch : s) {
      switch (ch) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '\'': out += "&apos;"; break;
        case '"': out += "&quot;"; break;
        default: out += ch;
      }
    }
    return out;
  }

  // ---- idle
  awaitable<void> idle_phase() {
    co_await sleep(o_.settle_seconds);
    std::size_t online = 0;
    for (const auto& c : clients_) online += c->online ? 1 : 0;
    const double rss_loaded = rss_kib(o_.server_pids), ldap_rss_loaded = rss_kib(o_.ldap_pids);
    const Sample a = sample();
    co_await sleep(o_.idle_seconds);
    const Sample b = sample();
    std::size_t still = 0;
    for (const auto& c : clients_) still += c->online ? 1 : 0;
    Json j;
    j.str("scenario", "idle").str("label", o_.label);
    j.num("clients", static_cast<double>(clients_.size())).num("online", static_cast<double>(still));
    j.num("dropped_while_idle", static_cast<double>(online - still));
    j.num("server_rss_before_kib", rss_before_).num("server_rss_loaded_kib", rss_loaded);
    j.num("server_kib_per_connection", online > 0 && rss_before_ >= 0 ? (rss_loaded - rss_before_) / static_cast<double>(online) : NAN);
    j.num("ldap_rss_delta_kib", ldap_rss_before_ >= 0 ? ldap_rss_loaded - ldap_rss_before_ : NAN);
    common(j, a, b);
    const double wall = std::chrono::duration<double>(b.at - a.at).count();
    j.num("server_cpu_pct", a.server_cpu >= 0 ? (b.server_cpu - a.server_cpu) / wall * 100 : NAN);
    j.raw("errors", errors_json(errors_));
    emit(j.done());
    std::cerr << "xmppload: " << presences_in_ << " presence stanzas received by the end of the idle hold\n";
  }

  // ---- chat, muc, mam: timestamped messages
  struct Step {
    double rate = 0;
    std::size_t sent = 0, received = 0;
    Percentiles latency;
    Clock::time_point start, last_receive;
  };

  // Sends messages for a step at its rate (s.rate a second, for --step-seconds) through
  // send_one, which sends one and says whether it could.
  template <typename SendOne>
  awaitable<void> pace(Step& s, SendOne send_one) {
    asio::steady_timer tick(io_);
    const auto end = s.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.step_seconds));
    while (Clock::now() < end && !aborted_) {
      tick.expires_after(std::chrono::milliseconds(1));
      co_await tick.async_wait(use_awaitable);
      const double elapsed = seconds_since(s.start);
      const auto due = static_cast<std::size_t>(std::min(elapsed, o_.step_seconds) * s.rate);
      while (s.sent < due && send_one()) ++s.sent;
    }
  }

  // A message whose body the receivers read as "step seq sent-ns padding" (on_stanza).
  void send_timestamped(Client& c, std::string_view type, std::string_view to, std::size_t step, const std::string& padding) {
    char head[96];
    std::snprintf(head, sizeof head, "%zu %llu %lld ", step, static_cast<unsigned long long>(++c.sent_seq),
                  static_cast<long long>(Clock::now().time_since_epoch().count()));
    send(c, "<message type='" + std::string(type) + "' to='" + std::string(to) + "' id='m" + std::to_string(c.sent_seq) +
                "'><body>" + head + padding + "</body></message>");
    if (c.sm && ++c.sm_sent % 5 == 0) send(c, "<r xmlns='urn:xmpp:sm:3'/>");
  }

  // What the rate steps of a scenario came to.
  struct StepsRun {
    std::string json = "[]";  // one object per step run
    double best = 0;          // the highest delivered rate (stanzas/s)
    double highest_kept = -1;  // the highest rate (messages/s) kept up with, -1: none
    double cpu_busy = 0, received_all = 0;  // server CPU seconds in the steps, stanzas received in them
    std::size_t sent = 0;
  };

  // Runs a step for each rate of --rates, one after another: send_one(step) sends one message
  // and says whether it could; each message reaches fanout receivers. A step is sent for
  // --step-seconds, drained for at most --drain-seconds, and is the last one when it did not
  // keep up (every copy received, 90 % of the offered rate delivered, p99 under a second):
  // a higher rate only piles up queues.
  template <typename SendOne>
  awaitable<StepsRun> rate_steps(std::string_view scenario, double fanout, SendOne send_one) {
    StepsRun run;
    std::string results = "[";
    steps_.reserve(steps_.size() + o_.rates.size());
    for (const double rate : o_.rates) {
      if (aborted_) break;
      steps_.emplace_back();
      const std::size_t step = steps_.size();
      Step& s = steps_.back();
      s.rate = rate;
      s.start = Clock::now();
      const Sample a = sample();
      co_await pace(s, [&] { return send_one(step); });
      const auto sent_end = Clock::now();
      const auto expected = static_cast<std::size_t>(static_cast<double>(s.sent) * fanout);
      const auto drain_end = sent_end + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.drain_seconds));
      while (s.received < expected && Clock::now() < drain_end && !aborted_) co_await sleep(0.01);
      const Sample b = sample();
      run.sent += s.sent;
      const double span = std::chrono::duration<double>((s.received > 0 ? s.last_receive : sent_end) - s.start).count();
      const double delivered = static_cast<double>(s.received) / std::max(span, o_.step_seconds);
      const double p50 = s.latency.ms(0.5), p99 = s.latency.ms(0.99);
      const std::size_t missing = expected - std::min(expected, s.received);
      Json st;
      st.num("rate", rate).num("sent", static_cast<double>(s.sent)).num("expected", static_cast<double>(expected));
      st.num("received", static_cast<double>(s.received)).num("missing_after_drain", static_cast<double>(missing));
      st.num("offered_stanzas_per_s", rate * fanout).num("delivered_per_s", delivered);
      st.num("p50_ms", p50).num("p99_ms", p99).num("max_ms", s.latency.ms(1.0));
      st.num("send_s", std::chrono::duration<double>(sent_end - s.start).count());
      common(st, a, b);
      results += (results.size() > 1 ? "," : "") + st.done();
      std::cerr << "xmppload: " << scenario << " " << rate << " msg/s x " << fanout << ": delivered " << delivered
                << " stanzas/s p50 " << p50 << " ms p99 " << p99 << " ms, missing " << missing << "\n";
      if (a.server_cpu >= 0) run.cpu_busy += b.server_cpu - a.server_cpu;
      run.received_all += static_cast<double>(s.received);
      run.best = std::max(run.best, delivered);
      const bool kept_up = s.received >= expected && delivered >= 0.9 * rate * fanout && p99 < 1000;
      if (!kept_up) break;
      run.highest_kept = rate;
    }
    run.json = results + "]";
    co_return run;
  }

  awaitable<void> chat_phase() {
    std::vector<Client*> senders;
    for (const auto& c : clients_)
      if (c->online && c->partner && c->partner->online) senders.push_back(c.get());
    if (senders.empty()) {
      Json j;
      j.str("scenario", "chat").str("label", o_.label).str("error", "no pair online");
      j.raw("errors", errors_json(errors_));
      emit(j.done());
      co_return;
    }
    co_await sleep(1.0);  // let the presence of the last logins settle
    const Sample first = sample();
    const std::string padding(o_.body_bytes, 'x');
    std::size_t rr = 0;
    const StepsRun run = co_await rate_steps("chat", 1, [&](std::size_t step) {
      for (std::size_t tries = 0; tries < 4 * senders.size(); ++tries) {
        Client& c = *senders[rr++ % senders.size()];
        if (c.dead || c.partner->dead) continue;
        send_timestamped(c, "chat", c.partner->full_jid, step, padding);
        return true;
      }
      return false;
    });
    // Late arrivals: give every message a last chance before counting losses.
    const auto final_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.drain_seconds));
    auto received_total = [&] {
      std::size_t n = 0;
      for (const auto& s : steps_) n += s.received;
      return n;
    };
    while (received_total() < run.sent && Clock::now() < final_end && !aborted_) co_await sleep(0.02);
    const Sample last = sample();
    Json j;
    j.str("scenario", "chat").str("label", o_.label).num("pairs", static_cast<double>(senders.size() / 2));
    j.num("body_bytes", static_cast<double>(o_.body_bytes));
    j.num("saturation_delivered_per_s", run.best).num("highest_rate_kept_up", run.highest_kept);
    j.num("sent", static_cast<double>(run.sent)).num("received", static_cast<double>(received_total()));
    j.num("lost", static_cast<double>(run.sent - std::min(run.sent, received_total())));
    j.num("duplicates_or_reordered", static_cast<double>(duplicates_or_reordered_));
    j.num("server_cpu_s_per_100k_messages",
          first.server_cpu >= 0 && run.received_all > 0 ? run.cpu_busy / run.received_all * 1e5 : NAN);
    j.num("gen_cpu_s", last.own_cpu - first.own_cpu).num("server_cpu_s", first.server_cpu >= 0 ? last.server_cpu - first.server_cpu : NAN);
    j.raw("steps", run.json);
    j.raw("errors", errors_json(errors_));
    emit(j.done());
  }

  // ---- waiting for one iq's answer while read_loop reads: on_stanza notes it and wakes us
  struct Answer {
    bool ok = false, timed_out = false;
    std::string condition;  // of an error answer
    double ms = 0;          // from the send to the answer
    std::size_t results = 0;  // XEP-0313 results that came before it
  };

  awaitable<Answer> ask(Client& c, const std::string& id, const std::string& stanza, double timeout_s) {
    asio::steady_timer wake(io_);
    wake.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)));
    awaited_client_ = &c;
    awaited_id_ = id;
    awaited_results_ = 0;
    awaited_wake_ = &wake;
    answered_ = false;
    const auto t0 = Clock::now();
    send(c, stanza);
    boost::system::error_code ec;
    co_await wake.async_wait(asio::redirect_error(use_awaitable, ec));  // cancelled by the answer
    Answer a;
    a.timed_out = !answered_;
    a.ok = answered_ && answer_condition_.empty();
    a.condition = answer_condition_;
    a.ms = std::chrono::duration<double, std::milli>(answered_at_ - t0).count();
    a.results = awaited_results_;
    awaited_client_ = nullptr;
    awaited_id_.clear();
    awaited_wake_ = nullptr;
    co_return a;
  }

  void on_awaited_answer(const Element& iq) {
    answered_at_ = Clock::now();
    answered_ = true;
    answer_condition_ = iq.attr("type") == "result" ? std::string() : error_condition(iq);
    awaited_id_.clear();
    if (awaited_wake_ != nullptr) awaited_wake_->cancel();
  }

  // ---- muc
  std::string room_jid() const { return o_.room + "@" + o_.muc_service; }

  void on_room_presence(Client& c, const Element& presence) {
    const std::string_view from = presence.attr("from");
    const std::string room = room_jid();
    if (from.size() <= room.size() || !from.starts_with(room) || from[room.size()] != '/') return;
    if (presence.attr("type") == "error") {
      if (!c.joined && !c.join_refused) {
        c.join_refused = true;
        ++join_refused_;
        ++errors_["muc-join:" + error_condition(presence)];
      }
      return;
    }
    if (!c.joined && muc_has_status(presence, "110")) {
      c.joined = true;
      c.created = muc_has_status(presence, "201");
      ++joined_;
    }
  }

  // Every online client enters the room, at most --concurrency joins in flight; the first
  // alone, so that it creates the room (and unlocks it, as an instant room) before the others.
  awaitable<void> join_room() {
    std::vector<Client*> online;
    for (const auto& c : clients_)
      if (c->online) online.push_back(c.get());
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.join_timeout));
    auto settled = [&] { return joined_ + join_refused_; };
    std::size_t next = 0;
    while (next < online.size() && Clock::now() < deadline && !aborted_) {
      if (next - std::min(next, settled()) >= o_.concurrency) {
        co_await sleep(0.002);
        continue;
      }
      Client& c = *online[next++];
      send(c, muc_join(room_jid(), "n" + std::to_string(c.index)));
      if (next == 1) {
        while (settled() == 0 && Clock::now() < deadline && !aborted_) co_await sleep(0.002);
        if (c.created) {
          const Answer a = co_await ask(c, "room-config", muc_instant_room(room_jid(), "room-config"), 10);
          if (!a.ok) ++errors_["muc-instant-room:" + (a.timed_out ? std::string("timeout") : a.condition)];
        }
      }
    }
    while (settled() < next && Clock::now() < deadline && !aborted_) co_await sleep(0.01);
    co_await sleep(1.0);  // the last joins' presences reach the occupants before the clock starts
  }

  awaitable<void> muc_phase() {
    const auto t0 = Clock::now();
    co_await join_room();
    const double join_s = seconds_since(t0) - 1.0;
    std::vector<Client*> occupants, senders;
    for (const auto& c : clients_)
      if (c->joined && !c->dead) occupants.push_back(c.get());
    for (std::size_t i = 0; i < occupants.size() && senders.size() < o_.senders; ++i) senders.push_back(occupants[i]);
    std::cerr << "xmppload: muc: " << joined_ << " of " << clients_.size() << " in " << room_jid() << " after " << join_s
              << " s (" << presences_in_ << " presence stanzas)\n";
    Json j;
    j.str("scenario", "muc").str("label", o_.label).str("room", room_jid());
    j.num("clients", static_cast<double>(clients_.size())).num("occupants", static_cast<double>(joined_));
    j.num("join_refused", static_cast<double>(join_refused_)).num("join_s", join_s);
    j.num("senders", static_cast<double>(senders.size())).num("body_bytes", static_cast<double>(o_.body_bytes));
    if (senders.empty()) {
      j.str("error", "nobody in the room").raw("errors", errors_json(errors_));
      emit(j.done());
      co_return;
    }
    const double fanout = static_cast<double>(occupants.size());
    const Sample first = sample();
    const std::string padding(o_.body_bytes, 'x');
    std::size_t rr = 0;
    // Each message comes back to every occupant, its sender included.
    const StepsRun run = co_await rate_steps("muc", fanout, [&](std::size_t step) {
      for (std::size_t tries = 0; tries < senders.size(); ++tries) {
        Client& c = *senders[rr++ % senders.size()];
        if (c.dead) continue;
        send_timestamped(c, "groupchat", room_jid(), step, padding);
        return true;
      }
      return false;
    });
    const Sample last = sample();
    j.num("saturation_delivered_per_s", run.best).num("highest_rate_kept_up", run.highest_kept);
    j.num("server_cpu_s_per_100k_stanzas",
          first.server_cpu >= 0 && run.received_all > 0 ? run.cpu_busy / run.received_all * 1e5 : NAN);
    j.num("gen_cpu_s", last.own_cpu - first.own_cpu).num("server_cpu_s", first.server_cpu >= 0 ? last.server_cpu - first.server_cpu : NAN);
    j.raw("steps", run.json).raw("errors", errors_json(errors_));
    emit(j.done());
  }

  // ---- mam
  // Fills the first client's archive with --mam-size chat messages from the others (at most
  // --mam-window on their way at once), then times --mam-queries queries for its last page.
  awaitable<void> mam_phase() {
    Client& owner = *clients_[0];
    std::vector<Client*> senders;
    for (std::size_t i = 1; i < clients_.size(); ++i)
      if (clients_[i]->online) senders.push_back(clients_[i].get());
    Json j;
    j.str("scenario", "mam").str("label", o_.label).num("senders", static_cast<double>(senders.size()));
    if (!owner.online || senders.empty()) {
      j.str("error", "the archive's owner or every sender is offline").raw("errors", errors_json(errors_));
      emit(j.done());
      co_return;
    }
    const std::string to = owner.user + "@" + o_.domain;
    const std::string padding(o_.body_bytes, 'x');
    steps_.emplace_back();
    Step& fill = steps_.back();
    fill.start = Clock::now();
    const Sample a = sample();
    const auto fill_end =
        fill.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.mam_fill_seconds));
    std::size_t rr = 0, reported = 0;
    asio::steady_timer tick(io_);
    while (fill.sent < o_.mam_size && Clock::now() < fill_end && !aborted_ && !owner.dead) {
      while (fill.sent < o_.mam_size && fill.sent - std::min(fill.sent, fill.received) < o_.mam_window) {
        Client& c = *senders[rr++ % senders.size()];
        if (c.dead) break;
        send_timestamped(c, "chat", to, 1, padding);
        ++fill.sent;
      }
      tick.expires_after(std::chrono::milliseconds(1));
      co_await tick.async_wait(use_awaitable);
      if (fill.received >= reported + 100000) {
        reported = fill.received;
        std::cerr << "xmppload: mam: " << reported << " messages delivered in " << seconds_since(fill.start) << " s\n";
      }
    }
    const bool fill_complete = fill.sent >= o_.mam_size;
    const auto drain_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.drain_seconds));
    while (fill.received < fill.sent && Clock::now() < drain_end && !aborted_) co_await sleep(0.01);
    const Sample b = sample();
    const double fill_s = std::chrono::duration<double>((fill.received > 0 ? fill.last_receive : b.at) - fill.start).count();
    j.num("mam_size_asked", static_cast<double>(o_.mam_size)).num("filled_sent", static_cast<double>(fill.sent));
    j.num("filled_received", static_cast<double>(fill.received)).str("fill_complete", fill_complete ? "yes" : "no (time bound)");
    j.num("fill_s", fill_s).num("fill_per_s", fill_s > 0 ? static_cast<double>(fill.received) / fill_s : 0);
    j.num("fill_delivery_p50_ms", fill.latency.ms(0.5)).num("fill_delivery_p99_ms", fill.latency.ms(0.99));
    j.num("fill_server_cpu_s", a.server_cpu >= 0 ? b.server_cpu - a.server_cpu : NAN).num("fill_gen_cpu_s", b.own_cpu - a.own_cpu);
    j.num("fill_ldap_cpu_s", a.ldap_cpu >= 0 ? b.ldap_cpu - a.ldap_cpu : NAN);
    std::cerr << "xmppload: mam: " << fill.received << " of " << fill.sent << " delivered in " << fill_s << " s\n";
    co_await sleep(1.0);  // archives written behind (cl-jabberd: within 20 ms) are on disk
    // The queries, one at a time.
    Percentiles query_ms;
    std::size_t done = 0, short_pages = 0, failed = 0;
    const auto query_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.mam_query_seconds));
    const Sample qa = sample();
    for (std::size_t q = 0; q < o_.mam_queries && Clock::now() < query_end && !aborted_ && !owner.dead; ++q) {
      const std::string id = "mam" + std::to_string(q);
      // One slow answer is a result too: it may take the whole time left.
      const Answer answer = co_await ask(owner, id, mam_last_page(id, o_.mam_page), std::max(1.0, o_.mam_query_seconds));
      if (!answer.ok) {
        ++failed;
        ++errors_["mam-query:" + (answer.timed_out ? std::string("timeout") : answer.condition)];
        if (answer.timed_out) break;
        continue;
      }
      ++done;
      query_ms.add(answer.ms / 1000);
      if (answer.results != o_.mam_page) ++short_pages;  // the archive holds more than a page: a page must be full
    }
    const Sample qb = sample();
    j.num("queries", static_cast<double>(done)).num("queries_failed", static_cast<double>(failed));
    j.num("page", static_cast<double>(o_.mam_page)).num("short_pages", static_cast<double>(short_pages));
    j.num("query_p50_ms", query_ms.ms(0.5)).num("query_p99_ms", query_ms.ms(0.99)).num("query_max_ms", query_ms.ms(1.0));
    j.num("query_server_cpu_ms_each", qa.server_cpu >= 0 && done > 0 ? (qb.server_cpu - qa.server_cpu) / static_cast<double>(done) * 1000 : NAN);
    j.raw("errors", errors_json(errors_));
    emit(j.done());
    std::cerr << "xmppload: mam: " << done << " queries, p50 " << query_ms.ms(0.5) << " ms p99 " << query_ms.ms(0.99) << " ms\n";
  }

  // Every line says which transport it measured (the report keeps the two apart).
  void emit(const std::string& line) {
    std::cout << "{\"transport\":\"" << o_.transport << "\"," << line.substr(1) << std::endl;
  }

  void finish(int code) {
    closing_ = true;
    for (const auto& c : clients_) {
      boost::system::error_code ignored;
      c->stream.lowest_layer().close(ignored);
    }
    std::cout.flush();
    std::cerr.flush();
    // The io_context still holds coroutine frames that refer to the clients: leave at once.
    std::_Exit(code);
  }

  asio::io_context& io_;
  Options o_;
  ssl::context tls_;
  tcp::endpoint target_;
  asio::steady_timer deadline_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::size_t next_ = 0, in_flight_ = 0, finished_ = 0, ok_ = 0, presences_in_ = 0, duplicates_or_reordered_ = 0;
  std::size_t reads_ = 0, read_bytes_ = 0;  // plaintext reads, for the stderr summary
  std::map<std::string, std::size_t> errors_;
  SaltedPasswords keys_;
  std::size_t server_proved_ = 0, tokens_rotated_ = 0;
  WarmUp warm_;
  double warm_s_ = 0, warm_cpu_s_ = 0;
  Percentiles login_ms_;
  Clock::time_point started_, last_login_;
  double rss_before_ = -1, ldap_rss_before_ = -1;
  std::vector<Step> steps_;
  std::size_t joined_ = 0, join_refused_ = 0;  // muc
  // ask(): the iq awaited, and its answer
  Client* awaited_client_ = nullptr;
  std::string awaited_id_, answer_condition_;
  std::size_t awaited_results_ = 0;
  asio::steady_timer* awaited_wake_ = nullptr;
  bool answered_ = false;
  Clock::time_point answered_at_;
  bool aborted_ = false, closing_ = false;
};

}  // namespace
}  // namespace xmppload

int main(int argc, char** argv) {
  const xmppload::Options options = xmppload::parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  // Every client is a socket: raise the soft descriptor limit to the hard one.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < options.clients + 64) {
    std::cerr << "xmppload: " << options.clients << " clients need more file descriptors than the limit "
              << nofile.rlim_cur << "\n";
    return 2;
  }
  // A second, independent bound: whatever happens in the event loop, the process ends.
  ::alarm(static_cast<unsigned>(options.max_duration) + 30);
  try {
    boost::asio::io_context io(1);
    xmppload::Load load(io, options);
    boost::asio::co_spawn(io, load.run(), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "xmppload: " << ex.what() << "\n";
        std::_Exit(1);
      }
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "xmppload: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
