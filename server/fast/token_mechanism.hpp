// FAST's HT-SHA-256-NONE/ENDP/EXPR (fast/hashed_token.hpp) as a SASL mechanism
// (stream/sasl_mechanism.hpp), for the SASL2 framing (XEP-0388) to run like any other: one
// client message, checked against the client's tokens (Fast::login); a success carries the
// server's HT answer as its additional data. The client id is SASL2's <user-agent id/>.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "fast/fast.hpp"
#include "fast/hashed_token.hpp"
#include "stream/sasl_mechanism.hpp"

namespace jabberadmin::fast {

class TokenMechanism final : public stream::sasl::Mechanism {
 public:
  // cb_data: the TLS channel binding the mechanism names (none for NONE; nothing when the
  // transport cannot give it, and then every attempt fails).
  TokenMechanism(Fast& fast, boost::asio::any_io_executor executor, ChannelBinding binding, std::string client,
                 std::optional<std::string> cb_data);
  // The mechanism for binding on transport (its channel binding read from it).
  static std::unique_ptr<TokenMechanism> on(Fast& fast, boost::asio::any_io_executor executor, ChannelBinding binding,
                                            std::string client, const net::Transport& transport);

  // A success with a token past half its life brings the next one: handed here, for the
  // framing's <success/> (<token xmlns='urn:xmpp:fast:0'/>), before the verdict.
  void on_rotated(std::function<void(const Issued&)> rotated) { rotated_ = std::move(rotated); }

  stream::sasl::Step step(std::string_view message) override;
  void verify(std::function<void(stream::sasl::Verdict)> done) override;
  const std::string& username() const override { return username_; }

 private:
  Fast& fast_;
  boost::asio::any_io_executor executor_;
  ChannelBinding binding_;
  std::string client_;
  std::optional<std::string> cb_data_;
  std::string username_;
  std::string proof_;
  bool stepped_ = false;
  std::function<void(const Issued&)> rotated_;
};

}  // namespace jabberadmin::fast
