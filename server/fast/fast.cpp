#include "fast/fast.hpp"

#include "util/log.hpp"

namespace jabberadmin::fast {
namespace {

FastOptions from_settings(const module::Context& context) {
  FastOptions options;
  if (context.has_settings())
    // At most ten years: the expiry must stay within the clock's range (the setting allows 2^40).
    options.lifetime = std::chrono::hours(24 * std::min<std::size_t>(context.settings().jabber.fast_token_days, 3650));
  return options;
}

// A change that must end the account's tokens: gone, another password, another entry under
// the same name, or no longer allowed to log in.
bool ends_tokens(const directory::UserChange& change) {
  if (!change.before) return false;
  const User& before = *change.before;
  if (!change.after) return true;
  const User& after = *change.after;
  return after.password_stamp != before.password_stamp || after.uuid != before.uuid || after.disabled();
}

}  // namespace

Fast::Fast(module::Context& context) : Fast(context, from_settings(context)) {}

Fast::Fast(module::Context& context, FastOptions options)
    : Module("fast"),
      directory_(&context.directory()),
      store_(context.database()),
      options_(std::move(options)),
      observed_(directory_->observe([this](const directory::UserChange& change) { changed(change); })),
      // A deleted account's tokens go with it, also when it went while the server was down.
      kept_(context.account_data().keep(module::AccountData::by_name(
          "FAST tokens", context.router().hosts().front(), [this] { return store_.accounts(); },
          [this](const std::string& account) { return store_.revoke(account); }))) {
  store_.purge(options_.now());
}

std::optional<std::string> Fast::credentials(std::string_view account) const {
  const User* user = directory_->find(account);
  if (!user || user->disabled()) return std::nullopt;
  return credentials_stamp(user->password_stamp, user->uuid);
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

void Fast::changed(const directory::UserChange& change) {
  if (!ends_tokens(change)) return;
  if (const auto revoked = store_.revoke(change.before->name))
    log::info("fast: " + std::to_string(revoked) + " login token(s) of " + change.before->name + " revoked");
}

}  // namespace jabberadmin::fast
