// XEP-0198 Stream Management: acknowledgements both ways and session resumption.
//
// Offered after authentication as <sm xmlns='urn:xmpp:sm:3'/>. A bound stream that sends
// <enable/> gets a Session (stream::Managed): h counted for what it receives, its sent
// stanzas kept until acknowledged (bounded: over sm_max_unacked_stanzas or _bytes the
// stream ends with <policy-violation/>), an <r/> when 32 stanzas or 16 KiB wait or, at the
// latest, within a second of a stanza being sent.
//
// With resume='true' a connection lost without </stream> leaves the session bound, its
// stanzas queued, for the resume window (sm_resume_timeout seconds; the client's max if
// lower); at most sm_max_detached_per_account such sessions per account, the oldest given
// up first. <resume previd h/> on a new authenticated stream of the same account takes it
// over (C2s::take_over): the unacknowledged stanzas are written again after <resumed/>,
// and the roster, presence and carbons state stay as they were. An unknown or expired id,
// or another account's, gets <failed><item-not-found/></failed>.
//
// A session that ends any other way (its window closes, </stream>, a stream error, a new
// login taking its resource) routes what the client never acknowledged again, as the
// router would route it to a resource that is gone (XEP-0198 §4, RFC 6121 §8.5.3.2): a
// message to the user's other resources or offline storage, an IQ request answered with
// <service-unavailable/>; presence and carbon copies are dropped.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "module/module.hpp"
#include "sm/detached_sessions.hpp"
#include "sm/unacked_queue.hpp"
#include "stream/c2s.hpp"
#include "stream/management.hpp"

namespace jabberadmin::sm {

struct SmOptions {
  std::chrono::seconds resume_timeout{300};  // 0: no resumption
  QueueLimits limits;
  std::size_t max_detached_per_account = 4;
  // An <r/> goes out at once when this much waits unacknowledged, else at the next sweep.
  std::size_t request_stanzas = 32;
  std::size_t request_bytes = 16 * 1024;
  std::chrono::milliseconds sweep{1000};
};

class StreamManagement final : public module::Module, public stream::Management {
 public:
  // Reads the sm_* settings when the context has them; needs the executor (timers).
  explicit StreamManagement(module::Context& context);
  StreamManagement(module::Context& context, SmOptions options);
  ~StreamManagement() override;

  void on_element(stream::C2s& stream, const xml::Element& element) override;

  std::size_t detached() const noexcept { return detached_.size(); }

 private:
  class Session;
  // bound: Bind2's <bound/>, where the answer goes instead of onto the stream.
  void enable(stream::C2s& stream, const xml::Element& enable, xml::Element* bound = nullptr);
  void resume(stream::C2s& stream, const xml::Element& resume);
  bool detach(Session& session);
  void forget(Session& session);
  void later(Session& session);  // ask for an ack at the next sweep
  void end_later(stream::C2s& stream, std::string_view condition, std::string text);
  void arm_window();
  void close_windows();
  void sweep();
  void reroute(std::deque<std::string> stanzas);

  router::Router& router_;
  boost::asio::any_io_executor executor_;
  SmOptions options_;
  std::unordered_map<std::string, Session*> resumable_;  // by id, attached or detached
  DetachedSessions detached_;
  std::unordered_set<Session*> waiting_;  // an <r/> due at the next sweep
  boost::asio::steady_timer window_timer_, sweep_timer_;
  bool sweeping_ = false;
  module::Registration feature_, management_, bind_inline_;
};

}  // namespace jabberadmin::sm
