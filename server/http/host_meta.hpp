// XEP-0156: /.well-known/host-meta (XRD) and /.well-known/host-meta.json, naming the
// WebSocket endpoint (urn:xmpp:alt-connections:websocket) and the BOSH one
// (urn:xmpp:alt-connections:xbosh) of the host the client asked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/routes.hpp"

namespace jabberadmin::http {

inline constexpr std::string_view kHostMetaPath = "/.well-known/host-meta";

// The WebSocket URL for a request: wss://<its Host>/xmpp-websocket when Host names a served
// host (with or without a port), else the first served host on port.
std::string websocket_url(const Request& request, const std::vector<std::string>& hosts, std::uint16_t port);

// The BOSH URL likewise: https://<Host>/http-bind.
std::string bosh_url(const Request& request, const std::vector<std::string>& hosts, std::uint16_t port);

// Both documents, by the request's path: ".json" for JSON, else XRD.
Route host_meta_route(std::vector<std::string> hosts, std::uint16_t port);

}  // namespace jabberadmin::http
