// SCRAM-SHA-1, -SHA-256, -SHA-512 and their -PLUS variants (RFC 5802, RFC 7677) as SASL
// mechanisms, checked against the verifiers the directory holds (RFC 5803 authPassword),
// never against a password: the server does no key derivation, only HMACs.
//
// Who exists does not show: a name that is unknown, disabled (locked, expired) or without a
// verifier of this hash gets a server-first-message like anyone's, with a salt derived from
// the name and a server secret (the same every time) and the default iteration count, and
// fails at the end with not-authorized, after the same computations.
//
// The client's messages are parsed strictly (RFC 5802 §7): the gs2 header and its channel
// binding flag, n= with =2C/=3D escapes, r=, c=, p=; a mandatory extension (m=) is refused.
//
// Downgrade protection (XEP-0474, SSDP): the server-first-message ends with h=, the hash (this
// mechanism's) of the mechanisms and channel-binding types the stream offered.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <optional>
#include <string>

#include "jabberadmin/scram.hpp"
#include "stream/sasl_mechanism.hpp"

namespace jabberadmin::auth {

// What the directory says of an account for one hash.
struct ScramAccount {
  enum class State { Found, Absent, Unavailable };  // Absent: unknown, disabled, or no verifier
  State state = State::Absent;
  scram::Verifier verifier;
};

struct ScramOptions {
  scram::Hash hash = scram::Hash::Sha256;
  bool plus = false;  // the -PLUS variant: channel binding required
  // The account by normalised name, asked on the executor.
  std::function<ScramAccount(const std::string& username, scram::Hash hash)> lookup;
  std::string secret;  // the server's, for the fake salts of names it cannot show
  // What the fake challenge says: the count the tools give new verifiers (scram_iterations),
  // so a real account cannot be told from a fake one by it.
  unsigned fake_iterations = scram::kDefaultIterations;
  // The server's part of the nonce (printable, no ','); OpenSSL RAND by default.
  std::function<std::string()> nonce;
};

// The longest client message accepted: names are at most 1023 bytes (RFC 7622), nonces and
// proofs are short; anything longer is malformed.
inline constexpr std::size_t kMaxScramMessage = 4096;

class ScramMechanism final : public stream::sasl::Mechanism {
 public:
  ScramMechanism(boost::asio::any_io_executor executor, ScramOptions options, stream::sasl::StreamInfo info);
  ~ScramMechanism() override;

  stream::sasl::Step step(std::string_view message) override;
  void verify(std::function<void(stream::sasl::Verdict)> done) override;
  const std::string& username() const override { return username_; }

  // A fresh server nonce: 18 random bytes, base64 (nothing if OpenSSL has none).
  static std::optional<std::string> random_nonce();

 private:
  stream::sasl::Step client_first(std::string_view message);
  stream::sasl::Step client_final(std::string_view message);

  boost::asio::any_io_executor executor_;
  ScramOptions options_;
  stream::sasl::StreamInfo info_;
  enum class Stage { ClientFirst, ClientFinal, Done } stage_ = Stage::ClientFirst;
  std::string username_;
  std::string gs2_header_;         // as the client sent it, for c=
  std::string channel_binding_;    // the data c= must carry after the header (-PLUS)
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;              // client's + server's
  bool real_ = false;              // a verifier of the account's own, not a fake one
  scram::Verifier verifier_;
  std::string auth_message_;
  std::string proof_;
};

// The salt a name without a verifier gets: HMAC-SHA-256(secret, hash name NUL name), cut to
// scram::kSaltLength (stable, so asking twice shows nothing either).
std::string fake_salt(std::string_view secret, scram::Hash hash, std::string_view username);

}  // namespace jabberadmin::auth
