// GET /metrics: the Prometheus exposition of a metrics registry, for peers the access list
// allows (403 for others). Registered only with metrics on, so off it is the listener's 404.
#pragma once

#include <string_view>

#include "http/routes.hpp"
#include "metrics/access.hpp"
#include "metrics/registry.hpp"

namespace jabberadmin::http {

inline constexpr std::string_view kMetricsPath = "/metrics";

// registry must outlive the route.
Route metrics_route(const metrics::Registry& registry, metrics::Access access);

}  // namespace jabberadmin::http
