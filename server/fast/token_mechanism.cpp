#include "fast/token_mechanism.hpp"

#include <boost/asio/post.hpp>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "net/transport.hpp"

namespace jabberadmin::fast {

using stream::sasl::Step;
using stream::sasl::Verdict;

TokenMechanism::TokenMechanism(Fast& fast, boost::asio::any_io_executor executor, ChannelBinding binding,
                               std::string client, std::optional<std::string> cb_data)
    : fast_(fast), executor_(std::move(executor)), binding_(binding), client_(std::move(client)),
      cb_data_(std::move(cb_data)) {}

std::unique_ptr<TokenMechanism> TokenMechanism::on(Fast& fast, boost::asio::any_io_executor executor,
                                                   ChannelBinding binding, std::string client,
                                                   const net::Transport& transport) {
  std::optional<std::string> cb_data;
  switch (binding) {
    case ChannelBinding::None: cb_data = std::string(); break;
    case ChannelBinding::Endpoint: cb_data = transport.channel_binding("tls-server-end-point"); break;
    case ChannelBinding::Exporter: cb_data = transport.channel_binding("tls-exporter"); break;
  }
  return std::make_unique<TokenMechanism>(fast, std::move(executor), binding, std::move(client), std::move(cb_data));
}

Step TokenMechanism::step(std::string_view message) {
  if (stepped_) return Step::failure("malformed-request");  // one message only
  stepped_ = true;
  const auto parsed = parse_initial_response(message);
  if (!parsed) return Step::failure("malformed-request");
  try {
    username_ = normalize_localpart(parsed->authcid);
  } catch (const Error&) {
    return Step::failure("not-authorized");
  }
  if (!cb_data_)
    return Step::negotiation_failure("encryption-required", "This connection cannot give the channel binding");
  proof_ = parsed->proof;
  return Step::check();
}

void TokenMechanism::verify(std::function<void(Verdict)> done) {
  Verdict verdict;
  std::optional<Issued> rotated;
  if (auto login = fast_.login(username_, client_, binding_, *cb_data_, proof_)) {
    verdict = Verdict{stream::AuthResult::Success, std::move(login->responder)};
    rotated = std::move(login->rotated);
  }
  proof_.clear();
  boost::asio::post(executor_, [done = std::move(done), verdict = std::move(verdict), rotated = std::move(rotated),
                                tell = rotated_] {
    if (rotated && tell) tell(*rotated);
    done(verdict);
  });
}

}  // namespace jabberadmin::fast
