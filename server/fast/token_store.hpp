// The FAST tokens (XEP-0484) the server has issued, in SQLite: per account and client (the
// SASL2 user-agent id), two slots, as XEP-0484 §7 suggests: "new", the token issued last,
// and "current", the one the client last logged in with. A login checks "new" first; once
// "new" is used it becomes "current" and the token before it is gone. Each token is bound
// to the HT mechanism it was asked for, expires, and remembers the account's credentials
// (its password and identity) when it was issued: a token of a password since changed, or
// of an account deleted and made again, is refused even if the live revocation missed it
// (the server was down). Only SHA-256(token) is kept (fast/hashed_token.hpp). Its SQL goes
// through Database::prepare, which compiles each statement once and keeps it for the
// database's life: a login with a current token runs one kept SELECT and writes nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fast/hashed_token.hpp"
#include "store/database.hpp"

namespace jabberadmin::fast {

using Clock = std::chrono::system_clock;

struct Issued {
  std::string token;  // what the client gets, once; never stored
  Clock::time_point expires;
};

struct Accepted {
  std::string key;  // SHA-256(token): for the server's answer (responder_proof)
  Clock::time_point expires;
};

// A token's owner and its use.
struct TokenUse {
  std::string_view account;      // normalised account name, the same on every host
  std::string_view client;       // SASL2 <user-agent id=.../>
  ChannelBinding mechanism;
  std::string_view credentials;  // the account's credentials_stamp() now
};

class TokenStore {
 public:
  // Brings the fast_tokens table up to date (the "fast" migrations).
  explicit TokenStore(store::Database& db);

  // A fresh token (51 random bytes from OpenSSL, base64: 68 characters, longer than the
  // HMAC block) in the client's "new" slot, replacing an unused one there.
  Issued issue(const TokenUse& use, Clock::time_point expires);
  // The token whose initiator proof this is, if it is the client's, for this mechanism and
  // these credentials, and not expired; a "new" token used becomes "current".
  std::optional<Accepted> accept(const TokenUse& use, std::string_view cb_data, std::string_view proof,
                                 Clock::time_point now);
  // The client asked to invalidate its token (<fast invalidate='true'/>): all of its tokens.
  void invalidate(std::string_view account, std::string_view client);
  // Every token of the account (its password changed, it was locked or deleted); how many.
  std::size_t revoke(std::string_view account);
  // Removes the expired tokens; how many.
  std::size_t purge(Clock::time_point now);
  // The accounts that hold tokens.
  std::vector<std::string> accounts();

 private:
  store::Database& db_;
};

// The stamp of what a token stays valid with: the stored password and the account's
// identity (entryUUID), hashed. A change of either changes it.
std::string credentials_stamp(std::string_view password_stamp, std::string_view uuid);

}  // namespace jabberadmin::fast
