// libFuzzer target for what a client sends the SCRAM mechanisms (auth::ScramMechanism,
// RFC 5802 §7): the client-first-message (GS2 header, channel-binding flag, authzid, n=,
// r=, extensions) and the client-final-message (c=, r=, extensions, p=); and FAST's HT
// initial response (fast::parse_initial_response). SASL2's <authenticate/> has no parser of
// its own (C2s reads the element the stream parser made), so these are the bytes a client
// controls there too. The first byte chooses the hash, -PLUS, whether the stream offered
// -PLUS and whether XEP-0474's h= is sent, and what the rest is:
//   - raw (mode 0, 1): client-first NUL client-final, as a client sent them; the server
//     nonce is fixed, and "user" has the RFC 5802 / RFC 7677 verifier of "pencil", so the
//     RFCs' exchanges succeed. Invariants: every step answers (an exception is a crash),
//     with the kinds and conditions the protocol allows; the verdict comes once, after
//     verify(); a success means the proof is the one "pencil" gives for the AuthMessage as
//     RFC 5802 §3 defines it, the binding the one the GS2 header and the transport give,
//     and v= the server signature a client checks;
//   - round trip (mode 2): a name, nonce, authzid and extensions chosen by the fuzzer,
//     encoded as a client encodes them; a name the server may show and a printable nonce
//     must log in (Found), fail like a wrong password (an account it cannot show) or fail
//     temporarily (directory down), and any one bit of the proof flipped must fail;
//   - HT (mode 3): what parse_initial_response accepts is authcid NUL proof again, and an
//     authcid NUL 32-byte proof always parses back to itself.
#include <fuzzer/FuzzedDataProvider.h>

#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "auth/scram_mechanism.hpp"
#include "fast/hashed_token.hpp"
#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "jabberadmin/scram.hpp"
#include "net/transport.hpp"

using namespace jabberadmin;
using stream::sasl::Step;
using stream::sasl::Verdict;

namespace {

constexpr std::string_view kServerNonce = "3rfcNHYJY1ZVvWVs7j";  // RFC 5802 §5's
constexpr std::string_view kPassword = "pencil";

// A TLS connection as far as SCRAM sees one: both binding types, fixed data.
class BindingTransport final : public net::Transport {
 public:
  void send(std::string) override {}
  void start_tls() override {}
  bool secure() const override { return true; }
  bool tls_available() const override { return true; }
  void close() override {}
  const std::string& peer_address() const override { return address_; }
  void pause_reading(std::chrono::milliseconds) override {}
  std::optional<std::string> channel_binding(std::string_view type) const override {
    if (type == "tls-exporter") return std::string("exporter-32-bytes-of-keying-data");
    if (type == "tls-server-end-point") return std::string("end-point-hash\0of-the-cert", 26);
    return std::nullopt;
  }

 private:
  std::string address_ = "192.0.2.1";
};

struct Account {
  scram::Verifier verifier;
  std::string salted;  // the client's SaltedPassword for it
};

// Computed once: PBKDF2 at 4096 iterations per run would be all the fuzzer does.
const Account& account(scram::Hash hash) {
  static const auto make = [](scram::Hash h, std::string_view salt_base64) {
    const std::string salt = *encoding::base64_decode(salt_base64);
    return Account{scram::make_verifier(h, kPassword, salt, 4096), scram::salted_password(h, kPassword, salt, 4096)};
  };
  static const Account sha1 = make(scram::Hash::Sha1, "QSXCR+Q6sek8bf92");          // RFC 5802 §5
  static const Account sha256 = make(scram::Hash::Sha256, "W22ZaJ0SNY7soEsUEjb6gQ==");  // RFC 7677 §3
  static const Account sha512 = make(scram::Hash::Sha512, "c2FsdHNhbHRzYWx0c2FsdA==");
  switch (hash) {
    case scram::Hash::Sha1: return sha1;
    case scram::Hash::Sha256: return sha256;
    case scram::Hash::Sha512: return sha512;
  }
  std::abort();
}

// Who exists: names starting "x" do not (the fake challenge), "down" finds the directory
// down, everyone else has the account above.
auth::ScramAccount lookup(const std::string& name, scram::Hash hash) {
  if (name.starts_with("x")) return {};
  if (name.starts_with("down")) return {auth::ScramAccount::State::Unavailable, {}};
  return {auth::ScramAccount::State::Found, account(hash).verifier};
}

struct Config {
  scram::Hash hash;
  bool plus, plus_offered, ssdp;
  int mode;
};

Config config_of(std::uint8_t byte) {
  static constexpr scram::Hash hashes[] = {scram::Hash::Sha1, scram::Hash::Sha256, scram::Hash::Sha512,
                                           scram::Hash::Sha256};
  return {hashes[byte & 3], (byte & 4) != 0, (byte & 12) != 0, (byte & 16) != 0, (byte >> 5) & 3};
}

boost::asio::io_context& io() {
  static boost::asio::io_context context;
  return context;
}

const BindingTransport& transport() {
  static const BindingTransport t;
  return t;
}

auth::ScramMechanism make(const Config& c) {
  auth::ScramOptions options;
  options.hash = c.hash;
  options.plus = c.plus;
  options.secret = "fuzz secret";
  options.lookup = lookup;
  options.nonce = [] { return std::string(kServerNonce); };
  stream::sasl::StreamInfo info{"example.org", &transport(), c.plus_offered, {}, {}};
  if (c.ssdp) {
    info.offered = {"SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"};
    if (c.plus_offered) {
      info.offered.push_back("SCRAM-SHA-256-PLUS");
      info.advertised_bindings = {"tls-exporter", "tls-server-end-point"};
    }
  }
  return auth::ScramMechanism(io().get_executor(), std::move(options), std::move(info));
}

void check_step(const Step& step, std::set<Step::Kind> allowed) {
  if (!allowed.contains(step.kind)) std::abort();
  if (step.kind == Step::Kind::Failure) {
    static const std::set<std::string> conditions{"malformed-request", "not-authorized", "invalid-authzid",
                                                  "temporary-auth-failure"};
    if (!conditions.contains(step.condition)) std::abort();
  }
}

Verdict run_verify(auth::ScramMechanism& m) {
  int calls = 0;
  Verdict verdict;
  m.verify([&](Verdict v) {
    ++calls;
    verdict = std::move(v);
  });
  if (calls != 0) std::abort();  // never inside verify()
  io().restart();
  io().run();
  if (calls != 1) std::abort();
  return verdict;
}

// The value of key= in a server-first-message.
std::string attribute(std::string_view message, char key) {
  const std::string prefix = std::string(1, key) + "=";
  std::size_t at = message.starts_with(prefix) ? 0 : message.find("," + prefix);
  if (at == std::string_view::npos) std::abort();
  if (at != 0) ++at;
  const auto end = message.find(',', at);
  return std::string(message.substr(at + 2, end == std::string_view::npos ? end : end - at - 2));
}

// A server-first-message has the form RFC 5802 §7 gives it, with the client's nonce first.
void check_server_first(const Config& c, std::string_view challenge, std::string_view client_nonce) {
  if (!challenge.starts_with("r=")) std::abort();
  const std::string nonce = attribute(challenge, 'r');
  if (nonce != std::string(client_nonce) + std::string(kServerNonce)) std::abort();
  if (!encoding::base64_decode(attribute(challenge, 's'))) std::abort();
  if (attribute(challenge, 'i').empty()) std::abort();
  if (c.ssdp != (challenge.find(",h=") != std::string_view::npos)) std::abort();
}

std::string binding_data(std::string_view gs2_header) {
  if (!gs2_header.starts_with("p=")) return {};
  const auto type = gs2_header.substr(2, gs2_header.find(',') - 2);
  return transport().channel_binding(type).value_or("");
}

void raw(const Config& c, std::string_view bytes) {
  const auto nul = bytes.find('\0');
  const std::string_view first = bytes.substr(0, nul);
  auto m = make(c);
  const Step challenge = m.step(first);
  check_step(challenge, {Step::Kind::Challenge, Step::Kind::Failure});
  if (challenge.kind != Step::Kind::Challenge) return;
  if (m.username().empty()) std::abort();
  // The header is up to the second comma; the bare message after it (the parser accepted it).
  const auto comma = first.find(',', first.find(',') + 1);
  const std::string_view gs2_header = first.substr(0, comma + 1), bare = first.substr(comma + 1);
  check_server_first(c, challenge.data, attribute(bare, 'r'));
  if (nul == std::string_view::npos) return;

  const std::string_view final = bytes.substr(nul + 1);
  const Step check = m.step(final);
  check_step(check, {Step::Kind::Check, Step::Kind::Failure});
  check_step(m.step(final), {Step::Kind::Failure});  // the exchange is over
  if (check.kind != Step::Kind::Check) return;
  const Verdict verdict = run_verify(m);
  if (verdict.result != stream::AuthResult::Success) {
    if (!verdict.additional.empty()) std::abort();
    return;
  }
  // Success: an independent check of what the server accepted.
  const auto at_proof = final.rfind(",p=");
  const std::string_view without_proof = final.substr(0, at_proof);
  if (!without_proof.starts_with("c=")) std::abort();
  const auto binding = encoding::base64_decode(attribute(without_proof, 'c'));
  if (!binding || *binding != std::string(gs2_header) + binding_data(gs2_header)) std::abort();
  const std::string auth_message = std::string(bare) + "," + challenge.data + "," + std::string(without_proof);
  const Account& a = account(c.hash);
  if (encoding::base64_decode(final.substr(at_proof + 3)) != scram::client_proof(c.hash, a.salted, auth_message))
    std::abort();
  const std::string server_key = scram::hmac(c.hash, a.salted, "Server Key");
  if (verdict.additional != "v=" + encoding::base64_encode(scram::hmac(c.hash, server_key, auth_message)))
    std::abort();
}

// RFC 5802 §5.1's saslname: ',' and '=' escaped.
std::string saslname(std::string_view name) {
  std::string out;
  for (const char ch : name) {
    if (ch == ',') out += "=2C";
    else if (ch == '=') out += "=3D";
    else out += ch;
  }
  return out;
}

// An extension attribute: a letter other than m (a mandatory one is refused), '=', a value
// without ','.
std::string extension(FuzzedDataProvider& in) {
  char key = static_cast<char>('a' + in.ConsumeIntegralInRange(0, 25));
  if (key == 'm') key = 'x';
  std::string value = in.ConsumeRandomLengthString(32);
  std::erase(value, ',');
  return "," + std::string(1, key) + "=" + value;
}

bool printable(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (const char ch : nonce)
    if (ch < 0x21 || ch > 0x7e || ch == ',') return false;
  return true;
}

void round_trip(const Config& c, FuzzedDataProvider& in) {
  const std::string name = in.ConsumeRandomLengthString(64);
  std::string nonce = in.ConsumeRandomLengthString(48);
  std::erase(nonce, ',');  // a client's nonce never holds one; with it, r= would end there
  const bool with_authzid = in.ConsumeBool();
  const bool exporter = in.ConsumeBool();
  const std::string first_extension = in.ConsumeBool() ? extension(in) : "";
  const std::string final_extension = in.ConsumeBool() ? extension(in) : "";
  const std::size_t flipped_bit = in.ConsumeIntegral<std::size_t>();

  std::string gs2_header = c.plus ? (exporter ? "p=tls-exporter," : "p=tls-server-end-point,") : "n,";
  gs2_header += (with_authzid ? "a=" + saslname(name + "@example.org") : "") + ",";
  const std::string bare = "n=" + saslname(name) + ",r=" + nonce + first_extension;

  auto m = make(c);
  const Step challenge = m.step(gs2_header + bare);
  std::optional<std::string> username;
  try {
    username = normalize_localpart(name);
  } catch (const Error&) {
  }
  const bool too_long = gs2_header.size() + bare.size() > auth::kMaxScramMessage;
  if (!username || name.empty() || !printable(nonce) || too_long) {
    check_step(challenge, {Step::Kind::Failure});
    return;
  }
  if (with_authzid && challenge.kind == Step::Kind::Failure && challenge.condition == "invalid-authzid") return;
  if (challenge.kind != Step::Kind::Challenge || m.username() != *username) std::abort();
  check_server_first(c, challenge.data, nonce);

  const std::string without_proof = "c=" + encoding::base64_encode(gs2_header + binding_data(gs2_header)) +
                                    ",r=" + attribute(challenge.data, 'r') + final_extension;
  const std::string auth_message = bare + "," + challenge.data + "," + without_proof;
  const Account& a = account(c.hash);
  std::string proof = scram::client_proof(c.hash, a.salted, auth_message);

  const auto expected = lookup(*username, c.hash).state;
  const Step check = m.step(without_proof + ",p=" + encoding::base64_encode(proof));
  if (check.kind != Step::Kind::Check) std::abort();
  const Verdict verdict = run_verify(m);
  switch (expected) {
    case auth::ScramAccount::State::Found: {
      const std::string server_key = scram::hmac(c.hash, a.salted, "Server Key");
      if (verdict.result != stream::AuthResult::Success ||
          verdict.additional != "v=" + encoding::base64_encode(scram::hmac(c.hash, server_key, auth_message)))
        std::abort();
      break;
    }
    case auth::ScramAccount::State::Absent:
      if (verdict.result != stream::AuthResult::NotAuthorized) std::abort();
      break;
    case auth::ScramAccount::State::Unavailable:
      if (verdict.result != stream::AuthResult::TemporaryFailure) std::abort();
      break;
  }

  // The same exchange (the server nonce is fixed) with one bit of the proof wrong.
  proof[(flipped_bit / 8) % proof.size()] ^= static_cast<char>(1 << (flipped_bit % 8));
  auto again = make(c);
  if (again.step(gs2_header + bare).data != challenge.data) std::abort();
  if (again.step(without_proof + ",p=" + encoding::base64_encode(proof)).kind != Step::Kind::Check) std::abort();
  if (run_verify(again).result == stream::AuthResult::Success) std::abort();
}

void hashed_token(std::string_view bytes) {
  if (const auto parsed = fast::parse_initial_response(bytes)) {
    if (parsed->authcid.empty() || parsed->authcid.find('\0') != std::string::npos || parsed->proof.size() != 32)
      std::abort();
    if (parsed->authcid + '\0' + parsed->proof != bytes) std::abort();
  }
  // Any authcid without NUL and any 32 bytes parse back to themselves.
  const auto nul = bytes.find('\0');
  const std::string authcid(bytes.substr(0, nul));
  if (authcid.empty()) return;
  std::string proof(bytes.substr(authcid.size()));
  proof.resize(32, 'p');
  const auto again = fast::parse_initial_response(authcid + '\0' + proof);
  if (!again || again->authcid != authcid || again->proof != proof) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Config c = config_of(data[0]);
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (c.mode <= 1) {
    raw(c, rest);
  } else if (c.mode == 2) {
    FuzzedDataProvider in(data + 1, size - 1);
    round_trip(c, in);
  } else {
    hashed_token(rest);
  }
  return 0;
}
