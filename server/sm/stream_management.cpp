#include "sm/stream_management.hpp"

#include <openssl/rand.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <optional>

#include "jabberadmin/encoding.hpp"
#include "router/reroute.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::sm {
namespace {
using ns::kSm;

xml::Element sm(std::string_view name) { return xml::Element(std::string(name), std::string(kSm)); }

// A resumption id: whoever knows it may resume the session (after logging in as its owner).
std::string new_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a resumption id");
  return encoding::hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

xml::Element failure(std::string_view condition, std::optional<std::uint32_t> h = std::nullopt) {
  xml::Element f = sm("failed");
  if (h) f.set_attr("h", std::to_string(*h));
  f.add(xml::Element(std::string(condition), std::string(ns::kStanzaErrors)));
  return f;
}

void failed(stream::C2s& stream, std::string_view condition, std::optional<std::uint32_t> h = std::nullopt) {
  stream.send_nonza(failure(condition, h));
}

constexpr std::size_t kMaxResumeTimeout = 86400;

SmOptions from_settings(const module::Context& context) {
  SmOptions options;
  if (!context.has_settings()) return options;
  const JabberSettings& j = context.settings().jabber;
  // At most a day: a deadline must stay within the clock's range (the setting allows 2^40).
  options.resume_timeout = std::chrono::seconds(std::min<std::size_t>(j.sm_resume_timeout, kMaxResumeTimeout));
  options.limits = QueueLimits{j.sm_max_unacked_stanzas, j.sm_max_unacked_bytes};
  options.max_detached_per_account = j.sm_max_detached_per_account;
  return options;
}
}  // namespace

// One stream's management state; owned by its stream, moved to the stream that resumes it.
class StreamManagement::Session final : public stream::Managed {
 public:
  Session(StreamManagement& owner, stream::C2s& stream, std::string id, std::chrono::seconds window)
      : owner_(owner), stream_(&stream), id_(std::move(id)), window_(window), queue_(owner.options_.limits) {}
  ~Session() override { owner_.forget(*this); }

  void received() override { received_.increment(); }
  void sent(std::string stanza) override {
    if (!queue_.push(std::move(stanza))) return overflow();
    if (requested_ || stream_->detached()) return;
    if (queue_.size() >= owner_.options_.request_stanzas || queue_.bytes() >= owner_.options_.request_bytes) request();
    else if (!due_) owner_.later(*this);
  }
  bool detach() override { return owner_.detach(*this); }
  void ended() override {
    owner_.forget(*this);
    owner_.reroute(queue_.take());
  }
  bool due_ = false;  // in the owner's waiting_: an <r/> due at its next sweep

  void moved(stream::C2s& stream) override {
    stream_ = &stream;
    requested_ = false;
  }

  // <a h/>: false when h acknowledges more than was sent.
  bool acknowledge(std::uint32_t h) {
    if (!queue_.acknowledge(h)) return false;
    requested_ = false;
    if (queue_.size() > 0 && !due_) owner_.later(*this);
    return true;
  }
  // The two nonzas of every exchange, written as bytes: no element to build per ack.
  void request() {
    if (requested_ || stream_->detached() || queue_.size() == 0) return;
    requested_ = true;
    stream_->send_nonza(std::string("<r xmlns='urn:xmpp:sm:3'/>"));
  }
  void answer() { stream_->send_nonza("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(received_.value()) + "'/>"); }

  stream::C2s& stream() const noexcept { return *stream_; }
  const std::string& id() const noexcept { return id_; }
  std::chrono::seconds window() const noexcept { return window_; }
  std::uint32_t handled() const noexcept { return received_.value(); }
  UnackedQueue& queue() noexcept { return queue_; }

 private:
  void overflow() {
    if (ending_) return;
    ending_ = true;
    owner_.end_later(*stream_, "policy-violation",
                     "Too many unacknowledged stanzas (" + std::to_string(queue_.size()) + ", " +
                         std::to_string(queue_.bytes()) + " bytes)");
  }

  StreamManagement& owner_;
  stream::C2s* stream_;
  std::string id_;  // empty: not resumable
  std::chrono::seconds window_;
  Counter received_;
  UnackedQueue queue_;
  bool requested_ = false;  // an <r/> is out, unanswered
  bool ending_ = false;     // over a limit: the stream's end is on its way
};

StreamManagement::StreamManagement(module::Context& context) : StreamManagement(context, from_settings(context)) {}

StreamManagement::StreamManagement(module::Context& context, SmOptions options)
    : Module("sm"),
      router_(context.router()),
      executor_(context.executor()),
      options_(options),
      detached_(options.max_detached_per_account),
      window_timer_(executor_),
      sweep_timer_(executor_),
      feature_(context.stream_feature(stream::FeatureStage::PostAuth, sm("sm"))),
      management_(context.stream_features().manage(*this)),
      // Bind2 (XEP-0386, XEP-0198 §3): <enable/> inside <bind/>; <enabled/> goes in <bound/>.
      bind_inline_(context.stream_features().bind_inline(
          std::string(ns::kSm), [this](stream::C2s& stream, const xml::Element& request, xml::Element& bound) {
            if (request.name() == "enable") enable(stream, request, &bound);
          })) {}

StreamManagement::~StreamManagement() = default;

void StreamManagement::on_element(stream::C2s& stream, const xml::Element& e) {
  Session* session = static_cast<Session*>(stream.managed());
  if (e.name() == "enable") return enable(stream, e);
  if (e.name() == "resume") return resume(stream, e);
  if (e.name() == "r") {
    if (session == nullptr) return failed(stream, "unexpected-request");
    return session->answer();
  }
  if (e.name() == "a") {
    if (session == nullptr) return failed(stream, "unexpected-request");
    const auto h = parse_h(e.attr_or("h"));
    if (!h) return stream.terminate("bad-format", "<a/> without a valid h");
    if (!session->acknowledge(*h))
      return stream.terminate("undefined-condition", "handled-count-too-high: h " + std::to_string(*h) +
                                                         " acknowledges more than the " +
                                                         std::to_string(session->queue().sent()) + " stanzas sent");
    return;
  }
  stream.terminate("unsupported-stanza-type");
}

void StreamManagement::enable(stream::C2s& stream, const xml::Element& e, xml::Element* bound) {
  // After resource binding, once (XEP-0198 §3).
  if (!stream.bound() || stream.managed() != nullptr) {
    if (bound) return void(bound->add(failure("unexpected-request")));
    return failed(stream, "unexpected-request");
  }
  const std::string asked = e.attr_or("resume");
  const bool resumable = (asked == "true" || asked == "1") && options_.resume_timeout.count() > 0;
  std::chrono::seconds window = options_.resume_timeout;
  if (const auto max = parse_h(e.attr_or("max")); max && *max > 0)
    window = std::min(window, std::chrono::seconds(*max));
  auto session = std::make_unique<Session>(*this, stream, resumable ? new_id() : std::string(), window);
  xml::Element enabled = sm("enabled");
  if (resumable) {
    resumable_.emplace(session->id(), session.get());
    enabled.set_attr("id", session->id());
    enabled.set_attr("resume", "true");
    enabled.set_attr("max", std::to_string(window.count()));
  }
  if (bound) bound->add(std::move(enabled));  // inside SASL2's <success/>, sent next
  else stream.send_nonza(enabled);            // before anything is counted
  stream.manage(std::move(session));
}

void StreamManagement::resume(stream::C2s& fresh, const xml::Element& e) {
  if (!fresh.authenticated() || fresh.bound()) return failed(fresh, "unexpected-request");
  const auto it = resumable_.find(e.attr_or("previd"));
  Session* session = it == resumable_.end() ? nullptr : it->second;
  // Another account's session is as unknown as one that never was: nothing tells it exists.
  if (session == nullptr || session->stream().jid().local != fresh.username() ||
      session->stream().jid().domain != fresh.domain()) {
    log::info("sm: " + fresh.username() + "@" + fresh.domain() + " asked to resume an unknown session");
    return failed(fresh, "item-not-found");
  }
  const auto h = parse_h(e.attr_or("h"));
  if (!h) return fresh.terminate("bad-format", "<resume/> without a valid h");
  if (!session->acknowledge(*h))
    return fresh.terminate("undefined-condition", "handled-count-too-high: h " + std::to_string(*h) +
                                                      " acknowledges more than the " +
                                                      std::to_string(session->queue().sent()) + " stanzas sent");
  if (!fresh.take_over(session->stream())) return failed(fresh, "item-not-found");
  if (detached_.remove(session->id())) arm_window();
  // session now belongs to fresh; the old stream has ended.
  xml::Element resumed = sm("resumed");
  resumed.set_attr("previd", session->id());
  resumed.set_attr("h", std::to_string(session->handled()));
  fresh.send_nonza(resumed);
  for (const std::string& stanza : session->queue().pending()) fresh.resend(stanza);
  log::info("sm: " + fresh.jid().full() + " resumed with h " + std::to_string(session->handled()) + "; " +
            std::to_string(session->queue().size()) + " unacknowledged stanzas sent again");
  session->request();
}

bool StreamManagement::detach(Session& session) {
  if (session.id().empty() || !resumable_.contains(session.id())) return false;
  const auto deadline = DetachedSessions::Clock::now() + session.window();
  for (const std::string& id : detached_.add(session.id(), session.stream().jid().bare(), deadline)) {
    if (const auto it = resumable_.find(id); it != resumable_.end())
      end_later(it->second->stream(), "policy-violation", "Too many sessions waiting to be resumed");
  }
  if (std::exchange(session.due_, false)) waiting_.erase(&session);
  arm_window();
  return true;
}

void StreamManagement::forget(Session& session) {
  if (std::exchange(session.due_, false)) waiting_.erase(&session);
  if (session.id().empty()) return;
  if (const auto it = resumable_.find(session.id()); it != resumable_.end() && it->second == &session)
    resumable_.erase(it);
  if (detached_.remove(session.id())) arm_window();
}

void StreamManagement::end_later(stream::C2s& stream, std::string_view condition, std::string text) {
  // Never from inside a delivery or another stream's event: the router relies on a
  // delivery not ending a session before it returns.
  boost::asio::post(executor_, [weak = stream.weak_from_this(), condition = std::string(condition),
                                text = std::move(text)] {
    if (const auto s = weak.lock(); s && !s->closed()) s->terminate(condition, text);
  });
}

void StreamManagement::arm_window() {
  const auto next = detached_.next_deadline();
  if (!next) {
    window_timer_.cancel();
    return;
  }
  window_timer_.expires_at(*next);
  window_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) close_windows();
  });
}

void StreamManagement::close_windows() {
  for (const std::string& id : detached_.expire(DetachedSessions::Clock::now())) {
    const auto it = resumable_.find(id);
    if (it == resumable_.end()) continue;
    stream::C2s& stream = it->second->stream();
    log::info("sm: " + stream.jid().full() + " was not resumed in time; the session ends");
    stream.terminate("connection-timeout");  // ends the detached session: unbound, queue routed
  }
  arm_window();
}

void StreamManagement::later(Session& session) {
  session.due_ = true;
  waiting_.insert(&session);
  if (sweeping_) return;
  sweeping_ = true;
  sweep_timer_.expires_after(options_.sweep);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    sweeping_ = false;
    if (!ec) sweep();
  });
}

void StreamManagement::sweep() {
  for (Session* session : std::exchange(waiting_, {})) {
    session->due_ = false;
    session->request();
  }
}

void StreamManagement::reroute(std::deque<std::string> stanzas) {
  for (const std::string& bytes : stanzas) {
    if (auto stanza = xml::parse_serialized(bytes, ns::kClient)) router::reroute(router_, *stanza);
  }
}

}  // namespace jabberadmin::sm
