#include "http/bosh.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>

#include "http/websocket_framing.hpp"
#include "stream/c2s.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"

namespace jabberadmin::http {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// The stream header a BOSH session stands for (XEP-0206 §5), at creation and at each restart.
std::string stream_header(const BoshSession::Terms& terms) {
  return "<stream:stream xmlns='" + std::string(ns::kClient) + "' xmlns:stream='" + std::string(ns::kStreams) +
         "' to='" + xml::escape_attr(terms.to) + "' version='" + xml::escape_attr(terms.version) + "'>";
}

// The framing's <open/> and <close/> (websocket_framing.hpp) stand for our stream header and end.
bool framing(std::string_view message, std::string_view name) {
  const std::string start = "<" + std::string(name) + " xmlns='" + std::string(kFramingNs) + "'";
  return message.starts_with(start) && (message.size() == start.size() + 2 || message[start.size()] == ' ');
}

// The lower of two BOSH versions ("1.6" < "1.11"): what a session runs (XEP-0124 §7.1).
std::string lower_version(std::string_view client, std::string_view ours) {
  const auto number = [](std::string_view v) -> std::pair<std::uint64_t, std::uint64_t> {
    const auto dot = v.find('.');
    const auto major = bosh_number(v.substr(0, dot));
    const auto minor = dot == std::string_view::npos ? std::optional<std::uint64_t>(0) : bosh_number(v.substr(dot + 1));
    if (!major || !minor) return {~0ull, ~0ull};  // unreadable: ours
    return {*major, *minor};
  };
  return number(client) < number(ours) ? std::string(client) : std::string(ours);
}

// Browsers on other origins may use the endpoint: no cookie or HTTP authentication is ever
// involved, a page can only do what any client can (cl-jabberd(8), BOSH).
void cors(Response& response) {
  response.set(bhttp::field::access_control_allow_origin, "*");
}

Response xml_response(unsigned version, std::string body, bhttp::status status = bhttp::status::ok) {
  Response response(status, version);
  response.set(bhttp::field::content_type, "text/xml; charset=utf-8");
  response.set(bhttp::field::cache_control, "no-store");
  cors(response);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

// --- BoshSession -----------------------------------------------------------------------

BoshSession::BoshSession(asio::any_io_executor executor, std::string sid, std::string peer, Terms terms,
                         BoshLimits limits, std::function<void()> on_gone)
    : executor_(executor), sid_(std::move(sid)), peer_(std::move(peer)), terms_(std::move(terms)), limits_(limits),
      on_gone_(std::move(on_gone)), wait_timer_(executor), inactivity_timer_(executor), resume_timer_(executor) {}

BoshSession::~BoshSession() = default;

void BoshSession::start(std::weak_ptr<net::TransportEvents> events, std::uint64_t rid, std::string client_ver,
                        BoshAnswer answer) {
  events_ = std::move(events);
  first_rid_ = rid;
  client_ver_ = std::move(client_ver);
  last_request_ = Clock::now();
  rids_ = RidWindow(rid, terms_.hold + 1);
  held_.push_back({rid, std::move(answer), Clock::now() + terms_.wait});
  feed(stream_header(terms_));
  schedule_flush();
}

void BoshSession::handle(std::uint64_t rid, BoshBody body, BoshAnswer answer) {
  if (finished_) return answer(terminate_xml("item-not-found"));
  switch (rids_.place(rid)) {
    case RidWindow::Place::Answered:
      // XEP-0124 §14.3: the client lost our answer with its connection; say it again.
      return answer(*rids_.answer_of(rid));
    case RidWindow::Place::Earlier: {
      const auto held = std::find_if(held_.begin(), held_.end(), [rid](const Held& h) { return h.rid == rid; });
      if (held == held_.end()) break;
      held->answer = std::move(answer);  // a held request repeated on a new connection: answered there
      return;
    }
    case RidWindow::Place::InWindow: {
      if (!waiting_.contains(rid)) {  // a new request, not one repeated on a new connection
        const auto pause = body.attr("pause");
        const auto seconds = pause.empty() ? std::optional<std::uint64_t>(0) : bosh_number(pause);
        if (!seconds || *seconds > static_cast<std::uint64_t>(limits_.max_pause.count())) {
          log::info("bosh " + peer_ + ": pause '" + pause + "' over maxpause " +
                    std::to_string(limits_.max_pause.count()) + "; terminated");
          answer(terminate_xml("policy-violation"));
          return fail("policy-violation");
        }
        if (overactive(body)) {
          log::info("bosh " + peer_ + ": more requests, or faster, than the session allows; terminated");
          answer(terminate_xml("policy-violation"));
          return fail("policy-violation");
        }
        last_request_ = Clock::now();
        note_ack(body);
      }
      auto [at, added] = waiting_.try_emplace(rid, Waiting{std::move(body), std::move(answer)});
      if (!added) at->second.answer = std::move(answer);  // a waiting request repeated
      process();
      return;
    }
    case RidWindow::Place::Beyond: break;
  }
  log::info("bosh " + peer_ + ": rid " + std::to_string(rid) + " outside the session's window; terminated");
  answer(terminate_xml("item-not-found"));
  fail("item-not-found");
}

// XEP-0124 §11: a client keeps at most `requests` requests here at once (one more to pause or
// terminate), and a polling session (hold 0) sends an empty request at most every `polling`.
bool BoshSession::overactive(const BoshBody& body) const {
  const auto ends = [](const BoshBody& b) { return b.attr("type") == "terminate" || !b.attr("pause").empty(); };
  const bool ending = ends(body);
  const bool extra =
      ending || std::any_of(waiting_.begin(), waiting_.end(), [&](const auto& w) { return ends(w.second.body); });
  const std::size_t allowed = terms_.hold + 1 + (extra ? 1 : 0);
  if (held_.size() + waiting_.size() + 1 > allowed) return true;
  const bool empty = body.payload.empty() && !ending && body.xbosh_attr("restart") != "true";
  return terms_.hold == 0 && empty && Clock::now() - last_request_ < limits_.polling;
}

// XEP-0124 §9.2: the client's ack is the highest rid whose answer it has (and all before). An
// answer after it, sent a while ago, was lost on the way: the next answer reports it, and
// the client may ask for it again (the window keeps it).
void BoshSession::note_ack(const BoshBody& body) {
  if (!terms_.acks) return;
  const auto ack = bosh_number(body.attr("ack"));
  if (!ack) return;
  for (const auto& [rid, at] : sent_)
    if (rid == *ack + 1 && Clock::now() - at >= limits_.report_after) report_ = rid;
}

// The highest rid received with every one before it (XEP-0124 §9.1).
std::uint64_t BoshSession::highest_received() const {
  std::uint64_t rid = rids_.next() - 1;
  while (waiting_.contains(rid + 1)) ++rid;
  return rid;
}

// The waiting requests in rid order, while their turn has come and reading is not paused.
void BoshSession::process() {
  while (!finished_ && !waiting_.empty() && waiting_.begin()->first == rids_.next()) {
    if (Clock::now() < paused_until_) {
      resume_timer_.expires_at(paused_until_);
      resume_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
        if (auto self = weak.lock(); self && !ec) self->process();
      });
      break;
    }
    auto node = waiting_.extract(waiting_.begin());
    rids_.advance();
    apply(node.key(), std::move(node.mapped().body), std::move(node.mapped().answer));
  }
  schedule_flush();
}

void BoshSession::apply(std::uint64_t rid, BoshBody body, BoshAnswer answer) {
  held_.push_back({rid, std::move(answer), Clock::now() + terms_.wait});
  pause_ = std::chrono::seconds(0);  // any request ends a pause
  if (const auto pause = bosh_number(body.attr("pause")); pause && *pause > 0) {
    // XEP-0124 §10: every request held is answered now, and the session waits `pause`
    // seconds (at most maxpause, checked on arrival) for the next one.
    pause_ = std::chrono::seconds(*pause);
    for (auto& held : held_) held.deadline = Clock::now();
  }
  if (closing_) return;  // answered with the stream's end
  std::string bytes;
  if (body.xbosh_attr("restart") == "true") bytes = stream_header(terms_);  // after SASL (XEP-0206 §5)
  for (const auto& element : body.payload) bytes += xml::serialize(element, ns::kClient);
  if (body.attr("type") == "terminate") {
    bytes += "</stream:stream>";
    held_.back().deadline = Clock::now();  // the stream's end answers it at once
  }
  // An empty poll is the client's keepalive: the stream's idle timeout counts it as traffic.
  feed(bytes.empty() ? std::string(" ") : std::move(bytes));
}

void BoshSession::feed(std::string bytes) {
  if (const auto events = events_.lock()) events->on_data(bytes);
  else if (!closing_) close();
}

void BoshSession::send(std::string bytes) {
  if (closing_ || finished_) return;
  for (auto& message : messages(bytes)) {
    if (message.ping || framing(message.text, "close")) continue;  // BOSH has its own keepalive and end
    if (framing(message.text, "open")) {
      if (const auto open = xml::parse_serialized(message.text, "")) {
        stream_id_ = open->attr_or("id");
        stream_from_ = open->attr_or("from");
      }
      continue;
    }
    out_ += message.text;
  }
  if (out_.size() > limits_.max_output) {
    log::warning("bosh " + peer_ + ": client does not come back for what it is sent; session ended");
    // In a turn of its own: a sender's loop never sees a stream vanish (net::Transport).
    out_.clear();
    asio::post(executor_, [self = shared_from_this()] { self->fail("policy-violation"); });
    closing_ = true;
    return;
  }
  schedule_flush();
}

void BoshSession::close() {
  if (closing_ || finished_) return;
  closing_ = true;
  schedule_flush();
  // The stream is done with us: what it said waits here for the client's next request.
  asio::post(executor_, [self = shared_from_this()] {
    if (std::exchange(self->told_closed_, true)) return;
    if (auto events = self->events_.lock()) events->on_closed();
  });
}

void BoshSession::pause_reading(std::chrono::milliseconds duration) {
  paused_until_ = std::max(paused_until_, Clock::now() + duration);
}

void BoshSession::schedule_flush() {
  if (flushing_ || finished_) return;
  flushing_ = true;
  // Once per turn: everything the stream writes in one go (its header and features, a
  // burst of stanzas) goes out in one answer.
  asio::post(executor_, [self = shared_from_this()] {
    self->flushing_ = false;
    self->flush();
  });
}

void BoshSession::flush() {
  if (finished_) return;
  if (closing_) {
    if (held_.empty() && waiting_.empty()) return arm_timers();  // kept for the next request
    // The stream's end: the oldest request carries the last words, every other one the end.
    const bool stream_error = out_.find("<stream:error") != std::string::npos;
    const std::string condition = stream_error ? "remote-stream-error" : "";
    std::vector<BoshAnswer> answers;
    for (auto& held : held_) answers.push_back(std::move(held.answer));
    for (auto& [rid, waiting] : waiting_) answers.push_back(std::move(waiting.answer));
    held_.clear();
    waiting_.clear();
    for (auto& answer : answers) {
      answer(terminate_xml(condition, out_));
      out_.clear();
    }
    return finish();
  }
  while (!held_.empty() && (!out_.empty() || held_.size() > terms_.hold || held_.front().deadline <= Clock::now()))
    answer_oldest();
  arm_timers();
}

void BoshSession::answer_oldest() {
  Held held = std::move(held_.front());
  held_.pop_front();
  std::vector<std::pair<std::string, std::string>> attrs;
  const auto now = Clock::now();
  if (!created_) {
    attrs = creation_attrs();
    created_ = true;
  } else if (terms_.acks) {
    // §9.1: acknowledged only when the client has sent more than the request answered.
    if (const auto highest = highest_received(); highest > held.rid) attrs.emplace_back("ack", std::to_string(highest));
    if (report_) {
      for (const auto& [rid, at] : sent_)
        if (rid == *report_) {
          attrs.emplace_back("report", std::to_string(rid));
          const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - at).count();
          attrs.emplace_back("time", std::to_string(ms));
        }
      report_.reset();
    }
  }
  std::string body = body_xml(attrs, out_);
  out_.clear();
  rids_.answered(held.rid, body);
  sent_.emplace_back(held.rid, now);
  while (sent_.size() > terms_.hold + 1) sent_.pop_front();  // what the window keeps
  held.answer(std::move(body));
}

std::vector<std::pair<std::string, std::string>> BoshSession::creation_attrs() const {
  // XEP-0124 §7.1 and XEP-0206 §5: the terms the session runs on. requests = hold + 1, so
  // a client may always send while one request waits here.
  const std::string ver = lower_version(client_ver_, "1.11");
  std::vector<std::pair<std::string, std::string>> attrs{{"sid", sid_},
          {"wait", std::to_string(terms_.wait.count())},
          {"hold", std::to_string(terms_.hold)},
          {"requests", std::to_string(terms_.hold + 1)},
          {"inactivity", std::to_string(limits_.inactivity.count())},
          {"polling", std::to_string(limits_.polling.count())},
          {"maxpause", std::to_string(limits_.max_pause.count())},
          {"ver", ver},
          {"from", stream_from_.empty() ? terms_.to : stream_from_},
          {"secure", "true"},
          {"authid", stream_id_},
          {"xmlns:xmpp", std::string(kXboshNs)},
          {"xmpp:version", "1.0"},
          {"xmpp:restartlogic", "true"}};
  if (terms_.acks) attrs.emplace_back("ack", std::to_string(first_rid_));  // §9.1: the creation request's
  return attrs;
}

void BoshSession::arm_timers() {
  if (finished_) return;
  if (held_.empty()) {
    wait_timer_.cancel();
    // Nobody is waiting for us: the client has `inactivity` (or its pause) to come back.
    inactivity_timer_.expires_after(pause_.count() > 0 ? pause_ : limits_.inactivity);
    inactivity_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->on_inactive();
    });
    return;
  }
  inactivity_timer_.cancel();
  wait_timer_.expires_at(held_.front().deadline);
  wait_timer_.async_wait([weak = weak_from_this()](const error_code& ec) {
    if (auto self = weak.lock(); self && !ec) self->flush();
  });
}

void BoshSession::on_inactive() {
  if (finished_ || !held_.empty() || !waiting_.empty()) return;
  log::info("bosh " + peer_ + ": no request for " +
            std::to_string((pause_.count() > 0 ? pause_ : limits_.inactivity).count()) + " s; session ended");
  fail({});
}

void BoshSession::fail(std::string_view condition) {
  if (finished_) return;
  const std::string body = terminate_xml(condition);
  for (auto& held : held_) held.answer(body);
  for (auto& [rid, waiting] : waiting_) waiting.answer(body);
  held_.clear();
  waiting_.clear();
  finish();
}

void BoshSession::finish() {
  if (finished_) return;
  const auto self = shared_from_this();  // on_gone drops the manager's reference
  finished_ = true;
  wait_timer_.cancel();
  inactivity_timer_.cancel();
  resume_timer_.cancel();
  waiting_.clear();
  held_.clear();
  // The stream hears of it as of a lost connection (stream management may keep the session).
  if (!std::exchange(told_closed_, true))
    asio::post(executor_, [events = events_] {
      if (auto e = events.lock()) e->on_closed();
    });
  if (auto gone = std::move(on_gone_)) gone();
}

void BoshSession::abandon() {
  on_gone_ = nullptr;
  held_.clear();
  waiting_.clear();
  finish();
}

// --- BoshSessions ----------------------------------------------------------------------

BoshSessions::BoshSessions(asio::any_io_executor executor, BoshLimits limits, Start start)
    : executor_(executor), limits_(limits), start_(std::move(start)) {}

BoshSessions::~BoshSessions() {
  auto sessions = std::move(sessions_);
  for (auto& [sid, session] : sessions) session->abandon();
}

void BoshSessions::handle(const Request& request, const std::string& peer, std::function<void(Response)> reply) {
  const unsigned version = request.version();
  if (request.method() == bhttp::verb::options) {
    // The CORS preflight of a browser's POST with Content-Type text/xml.
    Response response(bhttp::status::no_content, version);
    cors(response);
    response.set(bhttp::field::access_control_allow_methods, "POST, OPTIONS");
    response.set(bhttp::field::access_control_allow_headers, "Content-Type");
    response.set(bhttp::field::access_control_max_age, "86400");
    return reply(std::move(response));
  }
  if (request.method() != bhttp::verb::post) {
    Response response = text_response(version, bhttp::status::method_not_allowed, "BOSH: POST a <body/> here (XEP-0124)");
    response.set(bhttp::field::allow, "POST, OPTIONS");
    cors(response);
    return reply(std::move(response));
  }
  if (request.body().size() > limits_.max_body) {
    Response response = text_response(version, bhttp::status::payload_too_large, "Body too large");
    cors(response);
    return reply(std::move(response));
  }
  BoshAnswer answer = [reply, version](std::string body) { reply(xml_response(version, std::move(body))); };
  ParsedBody parsed = parse_body(request.body(), limits_.parser);
  const auto session = sessions_.find(parsed.sid);
  if (!parsed.body) {
    log::info("bosh " + peer + ": request refused: " + parsed.condition);
    if (session != sessions_.end()) {
      answer(terminate_xml(parsed.condition));
      const auto ended = session->second;
      return ended->fail(parsed.condition);  // as a TCP stream ends on such a stanza
    }
    return reply(xml_response(version, terminate_xml(parsed.condition), bhttp::status::bad_request));
  }
  BoshBody& body = *parsed.body;
  const auto rid = bosh_number(body.attr("rid"));
  if (parsed.sid.empty()) {
    if (!rid) return answer(terminate_xml("bad-request"));
    return create(body, *rid, peer, std::move(answer));
  }
  if (session == sessions_.end()) return answer(terminate_xml("item-not-found"));
  if (!rid) {
    answer(terminate_xml("bad-request"));
    const auto ended = session->second;
    return ended->fail("bad-request");
  }
  // Held by the map alone: handle() may end the session.
  const auto held = session->second;
  held->handle(*rid, std::move(body), std::move(answer));
}

void BoshSessions::create(const BoshBody& body, std::uint64_t rid, const std::string& peer, BoshAnswer answer) {
  const std::size_t from_peer = per_address_.contains(peer) ? per_address_.at(peer) : 0;
  if (sessions_.size() >= limits_.max_sessions || from_peer >= limits_.max_sessions_per_address) {
    log::warning("bosh " + peer + ": " + std::to_string(from_peer) + " sessions from this address, " +
                 std::to_string(sessions_.size()) + " in all: the limit; refusing a new one");
    return answer(terminate_xml("policy-violation"));
  }
  const std::string to = body.attr("to");
  if (to.empty()) return answer(terminate_xml("improper-addressing"));
  // The client's wishes within our limits; a missing or unreadable one gets ours.
  const auto wait = bosh_number(body.attr("wait"));
  const auto hold = bosh_number(body.attr("hold"));
  BoshSession::Terms terms{
      std::chrono::seconds(std::clamp<std::uint64_t>(wait.value_or(limits_.max_wait.count()), 1,
                                                     static_cast<std::uint64_t>(limits_.max_wait.count()))),
      static_cast<unsigned>(std::min<std::uint64_t>(hold.value_or(1), limits_.max_hold)), to,
      body.xbosh_attr("version"), body.attr("ack") == "1"};
  std::string sid = stream::random_hex(16);
  auto session = std::make_shared<BoshSession>(executor_, sid, peer, std::move(terms), limits_, [this, sid, peer] {
    sessions_.erase(sid);
    if (auto at = per_address_.find(peer); at != per_address_.end() && --at->second == 0) per_address_.erase(at);
  });
  auto events = start_(session);
  if (events.expired()) return answer(terminate_xml("system-shutdown"));
  sessions_.emplace(sid, session);
  ++per_address_[peer];
  session->start(std::move(events), rid, body.attr("ver"), std::move(answer));
}

Route bosh_route(BoshSessions& sessions) {
  Route route;
  route.defer = [&sessions](const Request& request, const std::string& peer, std::function<void(Response)> reply) {
    sessions.handle(request, peer, std::move(reply));
  };
  return route;
}

}  // namespace jabberadmin::http
