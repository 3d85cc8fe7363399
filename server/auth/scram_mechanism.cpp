#include "auth/scram_mechanism.hpp"

#include <boost/asio/post.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "net/transport.hpp"
#include "stream/sasl_mechanisms.hpp"
#include "stream/sasl_plain.hpp"

namespace jabberadmin::auth {
namespace {
using stream::sasl::Step;

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto comma = text.find(',');
    out.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

// RFC 5802 §5.1: "=2C" is ',' and "=3D" is '='; any other '=' is malformed.
std::optional<std::string> decode_saslname(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    const auto escape = text.substr(i + 1, 2);
    if (escape == "2C") out += ',';
    else if (escape == "3D") out += '=';
    else return std::nullopt;
    i += 2;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// printable = %x21-2B / %x2D-7E: visible ASCII but ','.
bool printable_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (const char c : nonce)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

Step malformed(std::string text) { return Step::failure("malformed-request", std::move(text)); }

// XEP-0474 (SSDP, 0.5.0) §6.1: the mechanisms offered, sorted by octet, joined by %x1E; when XEP-0440
// advertised channel bindings, %x1F and their types, sorted and joined the same way.
std::string downgrade_protection_input(const stream::sasl::StreamInfo& info) {
  const auto sorted_joined = [](std::vector<std::string> names) {
    std::sort(names.begin(), names.end());  // char_traits<char> compares as unsigned: i;octet
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i == 0 ? "" : "\x1e") + names[i];
    return out;
  };
  std::string input = sorted_joined(info.offered);
  if (!info.advertised_bindings.empty()) input += '\x1f' + sorted_joined(info.advertised_bindings);
  return input;
}
}  // namespace

std::string fake_salt(std::string_view secret, scram::Hash hash, std::string_view username) {
  std::string data(scram::mechanism_name(hash));
  data += '\0';
  data += username;
  return scram::hmac(scram::Hash::Sha256, secret, data).substr(0, scram::kSaltLength);
}

std::optional<std::string> ScramMechanism::random_nonce() {
  unsigned char bytes[18];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::nullopt;
  return encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

ScramMechanism::ScramMechanism(boost::asio::any_io_executor executor, ScramOptions options,
                               stream::sasl::StreamInfo info)
    : executor_(executor), options_(std::move(options)), info_(std::move(info)) {}

ScramMechanism::~ScramMechanism() {
  stream::wipe(verifier_.stored_key);
  stream::wipe(verifier_.server_key);
  stream::wipe(proof_);
}

Step ScramMechanism::step(std::string_view message) {
  if (message.size() > kMaxScramMessage) return malformed("SCRAM message too long");
  switch (stage_) {
    case Stage::ClientFirst:
      return client_first(message);
    case Stage::ClientFinal:
      return client_final(message);
    case Stage::Done:
      break;
  }
  return malformed("The SCRAM exchange is over");
}

Step ScramMechanism::client_first(std::string_view message) {
  // gs2-header: gs2-cbind-flag "," [authzid] ","
  const auto first = message.find(',');
  const auto second = first == std::string_view::npos ? first : message.find(',', first + 1);
  if (second == std::string_view::npos) return malformed("No GS2 header");
  const std::string_view flag = message.substr(0, first);
  const std::string_view authzid = message.substr(first + 1, second - first - 1);
  gs2_header_ = message.substr(0, second + 1);
  const std::string_view bare = message.substr(second + 1);

  if (options_.plus) {
    if (!flag.starts_with("p="))
      return Step::negotiation_failure("not-authorized", "A -PLUS mechanism needs channel binding");
    const std::string type(flag.substr(2));
    const auto& types = stream::sasl::channel_binding_types();
    std::optional<std::string> data;
    if (std::find(types.begin(), types.end(), type) != types.end() && info_.transport)
      data = info_.transport->channel_binding(type);
    if (!data) return Step::negotiation_failure("not-authorized", "Unsupported channel binding type");
    channel_binding_ = std::move(*data);
  } else if (flag == "y") {
    // RFC 5802 §6: the client could bind but thought we could not, while we offered -PLUS:
    // someone removed them from the list on the way.
    // Not counted either: a client whose only binding type we lack says "y" too.
    if (info_.plus_offered) return Step::negotiation_failure("not-authorized", "Channel binding downgrade");
  } else if (flag.starts_with("p=")) {
    return Step::negotiation_failure("not-authorized", "Channel binding needs a -PLUS mechanism");
  } else if (flag != "n") {
    return malformed("Bad GS2 channel binding flag");
  }

  const auto attributes = split(bare);
  if (!attributes.empty() && attributes[0].starts_with("m=")) return malformed("SCRAM extensions are not supported");
  if (attributes.size() < 2 || !attributes[0].starts_with("n=") || !attributes[1].starts_with("r="))
    return malformed("Expected n= and r=");
  for (std::size_t i = 2; i < attributes.size(); ++i)
    if (attributes[i].size() < 2 || attributes[i][1] != '=') return malformed("Bad SCRAM attribute");
  const auto name = decode_saslname(attributes[0].substr(2));
  if (!name) return malformed("Bad user name encoding");
  const std::string_view client_nonce = attributes[1].substr(2);
  if (!printable_nonce(client_nonce)) return malformed("Bad nonce");
  try {
    username_ = normalize_localpart(*name);
  } catch (const Error&) {
    return Step::failure("not-authorized");
  }
  if (!authzid.empty()) {
    const auto decoded = authzid.starts_with("a=") ? decode_saslname(authzid.substr(2)) : std::nullopt;
    const auto authz = decoded ? Jid::parse(*decoded) : std::nullopt;
    if (!authz || authz->local != username_ || authz->domain != info_.domain || !authz->resource.empty())
      return Step::failure("invalid-authzid");
  }

  const ScramAccount account = options_.lookup ? options_.lookup(username_, options_.hash) : ScramAccount{};
  real_ = account.state == ScramAccount::State::Found;
  if (real_) {
    verifier_ = account.verifier;
  } else {
    verifier_.hash = options_.hash;
    verifier_.iterations = options_.fake_iterations;
    verifier_.salt = fake_salt(options_.secret, options_.hash, username_);
    // Keys nobody's proof matches, so the check below costs what a real one costs.
    std::string keys(2 * scram::digest_size(options_.hash), '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(keys.data()), static_cast<int>(keys.size()));
    verifier_.stored_key = keys.substr(0, keys.size() / 2);
    verifier_.server_key = keys.substr(keys.size() / 2);
  }
  const auto server_nonce = options_.nonce ? std::optional(options_.nonce()) : random_nonce();
  if (!server_nonce) return Step::failure("temporary-auth-failure");
  client_first_bare_ = bare;
  nonce_ = std::string(client_nonce) + *server_nonce;
  server_first_ = "r=" + nonce_ + ",s=" + encoding::base64_encode(verifier_.salt) +
                  ",i=" + std::to_string(verifier_.iterations);
  // XEP-0474: h= hashes what the stream offered; a client compares it with what it saw, so a
  // man in the middle who struck -PLUS mechanisms or binding types shows. It is part of the
  // AuthMessage, so the client's proof covers it.
  if (!info_.offered.empty())
    server_first_ += ",h=" + encoding::base64_encode(scram::digest(options_.hash, downgrade_protection_input(info_)));
  stage_ = Stage::ClientFinal;
  return Step::challenge(server_first_);
}

Step ScramMechanism::client_final(std::string_view message) {
  stage_ = Stage::Done;
  const auto attributes = split(message);
  if (attributes.size() < 3 || !attributes.front().starts_with("c=") || !attributes[1].starts_with("r=") ||
      !attributes.back().starts_with("p="))
    return malformed("Expected c=, r= and p=");
  for (std::size_t i = 2; i + 1 < attributes.size(); ++i)
    if (attributes[i].size() < 2 || attributes[i][1] != '=') return malformed("Bad SCRAM attribute");
  const auto binding = encoding::base64_decode(attributes[0].substr(2));
  if (!binding) return malformed("Bad channel binding encoding");
  if (*binding != gs2_header_ + channel_binding_) return Step::failure("not-authorized", "Channel bindings do not match");
  if (attributes[1].substr(2) != nonce_) return Step::failure("not-authorized", "Nonce mismatch");
  auto proof = encoding::base64_decode(attributes.back().substr(2));
  if (!proof || proof->size() != scram::digest_size(options_.hash)) return malformed("Bad proof");
  proof_ = std::move(*proof);
  const std::string_view without_proof = message.substr(0, message.size() - attributes.back().size() - 1);
  auth_message_ = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  return Step::check();
}

void ScramMechanism::verify(std::function<void(stream::sasl::Verdict)> done) {
  // Computed alike for a real verifier and a fake one; the account looked up again, so a
  // lock or password change since the first message counts.
  const bool matches = scram::proof_matches(verifier_, auth_message_, proof_);
  const ScramAccount now = options_.lookup ? options_.lookup(username_, options_.hash) : ScramAccount{};
  stream::sasl::Verdict verdict;
  if (now.state == ScramAccount::State::Unavailable) {
    verdict.result = stream::AuthResult::TemporaryFailure;
  } else if (real_ && matches && now.state == ScramAccount::State::Found && now.verifier == verifier_) {
    verdict.result = stream::AuthResult::Success;
    verdict.additional = "v=" + encoding::base64_encode(scram::server_signature(verifier_, auth_message_));
  }
  boost::asio::post(executor_, [done = std::move(done), verdict = std::move(verdict)] { done(verdict); });
}

}  // namespace jabberadmin::auth
