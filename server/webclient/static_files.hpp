// Files served from one directory over the HTTPS listener, safely: a request's path is
// percent-decoded once and resolved inside the root or not at all (no "..", no hidden
// names, no symlink leading out), each file typed by its extension, never sniffed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/routes.hpp"

namespace jabberadmin::webclient {

// The regular file under root that a request target names (its query ignored), or none:
// a malformed escape, an encoded '/' or NUL, a backslash, a "." or ".." segment, a segment
// starting with '.', or a file whose real path (symlinks followed) is outside root's.
std::optional<std::filesystem::path> resolve(const std::filesystem::path& root, std::string_view target);

// The Content-Type of a file by its extension; application/octet-stream for one unknown.
std::string_view content_type(const std::filesystem::path& file);

// The headers every answer of the web client carries: nosniff, the Content-Security-Policy
// (everything from this origin only, data: and blob: images and media too; connections to
// it: 'self' covers its wss:// in CSP Level 3), no framing, no referrer.
void secure(http::Response& response);

// A file's answer to GET or HEAD: 200 with its type, an ETag and Cache-Control, or 304 when
// the request's If-None-Match names the same ETag.
http::Response file_response(const http::Request& request, const std::filesystem::path& file);

}  // namespace jabberadmin::webclient
