#include "http/metrics_route.hpp"

#include "metrics/exposition.hpp"
#include "util/log.hpp"

namespace jabberadmin::http {
namespace bhttp = boost::beast::http;

Route metrics_route(const metrics::Registry& registry, metrics::Access access) {
  Route route;
  // Deferred only to learn the peer's address, which an answer is not told; the reply is
  // given at once.
  route.defer = [&registry, access = std::move(access)](const Request& request, const std::string& peer,
                                                        std::function<void(Response)> reply) {
    const std::string_view path = view(request.target()).substr(0, view(request.target()).find('?'));
    if (path != kMetricsPath) return reply(text_response(request.version(), bhttp::status::not_found, "Not found"));
    if (!access.allows(peer)) {
      log::info("http " + peer + ": /metrics refused, not in metrics_allow");
      return reply(text_response(request.version(), bhttp::status::forbidden, "Forbidden"));
    }
    if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
      Response response = text_response(request.version(), bhttp::status::method_not_allowed, "Method not allowed");
      response.set(bhttp::field::allow, "GET, HEAD");
      return reply(std::move(response));
    }
    Response response(bhttp::status::ok, request.version());
    response.set(bhttp::field::content_type, std::string(metrics::kContentType));
    response.set(bhttp::field::cache_control, "no-store");
    std::string body = registry.render();
    // HEAD: the length of what GET would send, no body (as webclient/static_files.cpp).
    if (request.method() == bhttp::verb::head) {
      response.content_length(body.size());
    } else {
      response.body() = std::move(body);
      response.prepare_payload();
    }
    reply(std::move(response));
  };
  return route;
}

}  // namespace jabberadmin::http
