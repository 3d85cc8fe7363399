// FAST (XEP-0484): login tokens, so that a reconnecting client logs in with one message
// and no password work. This module owns the tokens (fast/token_store.hpp) and their life:
// issued for a client that logged in fully, refused once expired, rotated when half their
// life has passed, revoked by the client, and revoked at once when the directory says the
// account's password changed, or it was locked, expired or deleted.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "directory/directory_cache.hpp"
#include "fast/hashed_token.hpp"
#include "fast/token_store.hpp"
#include "module/module.hpp"
#include "stream/token_logins.hpp"

namespace jabberadmin::fast {

struct FastOptions {
  std::chrono::seconds lifetime = std::chrono::hours(24 * 14);  // 0: no tokens issued
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
};

// The module is also the streams' TokenLogins: SASL2 offers its mechanisms inside <fast/>.
class Fast final : public module::Module, public stream::TokenLogins {
 public:
  explicit Fast(module::Context& context);
  Fast(module::Context& context, FastOptions options);

  bool enabled() const noexcept { return options_.lifetime.count() > 0; }

  // A new token for the account's client, bound to mechanism; nothing when FAST is off or
  // the account may not log in.
  std::optional<Issued> issue(std::string_view account, std::string_view client, ChannelBinding mechanism);

  struct Login {
    std::string responder;           // the server's HT answer, raw bytes
    std::optional<Issued> rotated;   // a new token when the one used is past half its life
  };
  // A login with a token (the HT initial response already split): the account, its client,
  // the mechanism and its channel binding data. Nothing when refused.
  std::optional<Login> login(std::string_view account, std::string_view client, ChannelBinding mechanism,
                             std::string_view cb_data, std::string_view proof);

  // stream::TokenLogins
  std::vector<std::string> mechanisms(const net::Transport& transport) const override;
  std::unique_ptr<stream::sasl::Mechanism> login(std::string_view mechanism, std::string client,
                                                 const net::Transport& transport,
                                                 std::function<void(stream::LoginToken)> rotated) override;
  std::optional<stream::LoginToken> issue(const std::string& account, const std::string& client,
                                          std::string_view mechanism) override;
  // <fast invalidate='true'/>: the client's tokens go.
  void invalidate(const std::string& account, const std::string& client) override {
    store_.invalidate(account, client);
  }

 private:
  void changed(const directory::UserChange& change);
  std::optional<std::string> credentials(std::string_view account) const;

  boost::asio::any_io_executor executor_;
  directory::DirectoryCache* directory_;
  TokenStore store_;
  FastOptions options_;
  module::Registration observed_, kept_, logins_;
};

}  // namespace jabberadmin::fast
