#include "fast/fast.hpp"

#include "fast/token_mechanism.hpp"
#include "jabberadmin/scram.hpp"
#include "net/transport.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::fast {
namespace {

FastOptions from_settings(const module::Context& context) {
  FastOptions options;
  if (context.has_settings())
    // At most ten years: the expiry must stay within the clock's range (the setting allows 2^40).
    options.lifetime = std::chrono::hours(24 * std::min<std::size_t>(context.settings().jabber.fast_token_days, 3650));
  return options;
}

// What a token stays valid with, as far as the server can see the account's credentials:
// the stored password where it may read it (an adopted directory), the SCRAM verifiers
// (written anew, with a fresh salt, by every password change), and the entry's identity.
std::string stamp_of(const User& user) {
  std::string seen = user.password_stamp;
  for (const auto& v : user.verifiers)
    seen += std::string(scram::mechanism_name(v.hash)) + '\0' + std::to_string(v.iterations) + '\0' + v.salt + '\0' +
            v.stored_key + '\0' + v.server_key + '\0';
  return credentials_stamp(seen, user.uuid);
}

// A change that must end the account's tokens: gone, other credentials, another entry under
// the same name, or no longer allowed to log in.
bool ends_tokens(const directory::UserChange& change) {
  if (!change.before) return false;
  if (!change.after) return true;
  return stamp_of(*change.after) != stamp_of(*change.before) || change.after->disabled();
}

}  // namespace

Fast::Fast(module::Context& context) : Fast(context, from_settings(context)) {}

Fast::Fast(module::Context& context, FastOptions options)
    : Module("fast"),
      executor_(context.executor()),
      directory_(&context.directory()),
      store_(context.database()),
      options_(std::move(options)),
      observed_(directory_->observe([this](const directory::UserChange& change) { changed(change); })),
      // A deleted account's tokens go with it, also when it went while the server was down.
      kept_(context.account_data().keep(module::AccountData::by_name(
          "FAST tokens", context.router().hosts().front(), [this] { return store_.accounts(); },
          [this](const std::string& account) { return store_.revoke(account); }))),
      logins_(context.stream_features().token_logins(*this)) {
  store_.purge(options_.now());
}

std::optional<std::string> Fast::credentials(std::string_view account) const {
  const User* user = directory_->find(account);
  if (!user || user->disabled()) return std::nullopt;
  return stamp_of(*user);
}

std::optional<Issued> Fast::issue(std::string_view account, std::string_view client, ChannelBinding mechanism) {
  const auto stamp = credentials(account);
  if (!enabled() || !stamp || client.empty()) return std::nullopt;
  const auto now = options_.now();
  store_.purge(now);  // the tokens of clients never seen again go in time
  return store_.issue({account, client, mechanism, *stamp}, now + options_.lifetime);
}

std::optional<Fast::Login> Fast::login(std::string_view account, std::string_view client, ChannelBinding mechanism,
                                       std::string_view cb_data, std::string_view proof) {
  const auto stamp = credentials(account);
  if (!enabled() || !stamp || client.empty()) return std::nullopt;
  const auto now = options_.now();
  const auto accepted = store_.accept({account, client, mechanism, *stamp}, cb_data, proof, now);
  if (!accepted) return std::nullopt;
  Login login{responder_proof(accepted->key, cb_data), std::nullopt};
  // Past half its life: the client gets the next one now, while this one still works
  // (XEP-0484 §5: the old one stays until the new one is used).
  if (accepted->expires - now < options_.lifetime / 2)
    login.rotated = store_.issue({account, client, mechanism, *stamp}, now + options_.lifetime);
  return login;
}

std::vector<std::string> Fast::mechanisms(const net::Transport& transport) const {
  std::vector<std::string> names;
  if (!enabled()) return names;
  // Channel binding first (XEP-0484 §4: preferred), where the connection can give it.
  if (transport.channel_binding("tls-exporter")) names.emplace_back(mechanism_name(ChannelBinding::Exporter));
  if (transport.channel_binding("tls-server-end-point")) names.emplace_back(mechanism_name(ChannelBinding::Endpoint));
  names.emplace_back(mechanism_name(ChannelBinding::None));
  return names;
}

namespace {
stream::LoginToken login_token(const Issued& issued) {
  return {issued.token, util::xmpp_datetime(std::chrono::time_point_cast<std::chrono::seconds>(issued.expires))};
}
}  // namespace

std::unique_ptr<stream::sasl::Mechanism> Fast::login(std::string_view mechanism, std::string client,
                                                     const net::Transport& transport,
                                                     std::function<void(stream::LoginToken)> rotated) {
  const auto binding = mechanism_named(mechanism);
  if (!binding || !enabled()) return nullptr;
  auto m = TokenMechanism::on(*this, executor_, *binding, std::move(client), transport);
  m->on_rotated([rotated = std::move(rotated)](const Issued& next) { rotated(login_token(next)); });
  return m;
}

std::optional<stream::LoginToken> Fast::issue(const std::string& account, const std::string& client,
                                              std::string_view mechanism) {
  const auto binding = mechanism_named(mechanism);
  if (!binding) return std::nullopt;
  const auto issued = issue(std::string_view(account), std::string_view(client), *binding);
  if (!issued) return std::nullopt;
  return login_token(*issued);
}

void Fast::changed(const directory::UserChange& change) {
  if (!ends_tokens(change)) return;
  if (const auto revoked = store_.revoke(change.before->name))
    log::info("fast: " + std::to_string(revoked) + " login token(s) of " + change.before->name + " revoked");
}

}  // namespace jabberadmin::fast
