#include "webclient/static_files.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <utility>

namespace jabberadmin::webclient {
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

namespace {

// The largest file served: the biggest of Converse.js's is under 2 MiB; a body is held whole.
constexpr std::uintmax_t kMaxFileSize = 32 << 20;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One path segment percent-decoded, or none when an escape is malformed or yields a byte
// that would change the path's shape ('/', '\\', NUL).
std::optional<std::string> decode_segment(std::string_view segment) {
  std::string out;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '%') {
      if (i + 2 >= segment.size()) return std::nullopt;
      const int high = hex_digit(segment[i + 1]), low = hex_digit(segment[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '/' || c == '\\' || c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

// Whether path lies inside root (both canonical): root's components are its first ones.
bool inside(const fs::path& root, const fs::path& path) {
  const auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return r == root.end() && p != path.end();
}

constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".otf", "font/otf"},
    {".eot", "application/vnd.ms-fontobject"},
    {".mp3", "audio/mpeg"},
    {".ogg", "audio/ogg"},
    {".wav", "audio/wav"},
    {".wasm", "application/wasm"},
};

}  // namespace

std::optional<fs::path> resolve(const fs::path& root, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with('/')) return std::nullopt;
  fs::path candidate = root;
  bool named = false;
  for (std::size_t start = 1; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view raw = path.substr(start, end - start);
    start = end + 1;
    if (raw.empty()) continue;
    const auto segment = decode_segment(raw);
    // "." and ".." climb or stay; a leading dot also keeps hidden files (.htpasswd) private.
    if (!segment || segment->front() == '.') return std::nullopt;
    candidate /= *segment;
    named = true;
  }
  if (!named) return std::nullopt;
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path real = fs::canonical(candidate, ec);
  if (ec || !inside(real_root, real) || !fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

std::string_view content_type(const fs::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [ext, type] : kTypes)
    if (extension == ext) return type;
  return "application/octet-stream";
}

void secure(http::Response& response) {
  response.set("X-Content-Type-Options", "nosniff");
  // Converse.js runs from its own files with no eval; lit sets inline styles. Nothing comes
  // from another host: a chat page that fetched what a link names would tell that host who
  // reads it. Avatars and pasted images are data: and blob: URLs.
  response.set("Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "img-src 'self' data: blob:; media-src 'self' data: blob:; manifest-src 'self'; "
               "connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
}

http::Response file_response(const http::Request& request, const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const auto modified = fs::last_write_time(file, ec);
  if (ec || size > kMaxFileSize)
    return http::text_response(request.version(), bhttp::status::not_found, "Not found");
  // Size and modification time change with every installed release of the files.
  const std::string etag = "\"" + std::to_string(size) + "-" +
                           std::to_string(modified.time_since_epoch().count()) + "\"";
  const bool fresh = http::view(request[bhttp::field::if_none_match]) == etag;
  http::Response response(fresh ? bhttp::status::not_modified : bhttp::status::ok, request.version());
  response.set(bhttp::field::etag, etag);
  // An hour without asking, then revalidated by the ETag: an upgraded package is seen soon.
  response.set(bhttp::field::cache_control, "public, max-age=3600");
  if (fresh) return response;
  response.set(bhttp::field::content_type, std::string(content_type(file)));
  if (request.method() == bhttp::verb::head) {
    response.content_length(size);
    return response;
  }
  std::ifstream in(file, std::ios::binary);
  response.body().assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.is_open() || response.body().size() != size)  // unreadable, or changed while read
    return http::text_response(request.version(), bhttp::status::not_found, "Not found");
  response.prepare_payload();
  return response;
}

}  // namespace jabberadmin::webclient
