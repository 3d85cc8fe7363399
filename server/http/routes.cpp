#include "http/routes.hpp"

#include <stdexcept>

namespace jabberadmin::http {

Routes::Routes() : routes_(std::make_shared<std::map<std::string, Route, std::less<>>>()) {}

util::Registration Routes::add(std::string prefix, Route route) {
  if (prefix.empty() || prefix.front() != '/') throw std::logic_error("an HTTP route starts with '/': " + prefix);
  const auto [at, added] = routes_->emplace(prefix, std::move(route));
  if (!added) throw std::logic_error("two HTTP routes for " + prefix);
  return util::Registration([routes = std::weak_ptr(routes_), prefix = std::move(prefix)] {
    if (auto r = routes.lock()) r->erase(prefix);
  });
}

const Route* Routes::find(std::string_view target) const {
  const std::string_view path = target.substr(0, target.find('?'));
  const Route* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [prefix, route] : *routes_)
    if (path.starts_with(prefix) && prefix.size() >= best_length) {
      best = &route;
      best_length = prefix.size();
    }
  return best;
}

std::string peer_address(const TlsStream& stream) {
  boost::system::error_code ec;
  const auto endpoint = boost::beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
  if (ec) return "?";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  return address.to_string();
}

Response text_response(unsigned version, boost::beast::http::status status, std::string_view text) {
  Response response(status, version);
  response.set(boost::beast::http::field::content_type, "text/plain; charset=utf-8");
  response.body() = std::string(text) + "\n";
  response.prepare_payload();
  return response;
}

}  // namespace jabberadmin::http
