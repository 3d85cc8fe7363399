// libFuzzer target for what HTTP file upload (XEP-0363) reads from clients: the file name,
// content type and size of a slot request, and the HTTP request at /upload/ (Beast's parser,
// then the route's refusal from the header and its answer). Invariants: a sanitized name is
// one harmless path segment, non-empty, within the limit, well-formed UTF-8 and sanitized
// already; percent-encoding round-trips; a Content-Disposition has no line break and its
// quoted name no quote or backslash; no active type is ever served as itself; a PUT the
// header check lets through matches its slot's size; only a PUT's sink stores a file, and
// a stored one is found; a GET served from its file has the slot's size. Two requests may
// come in one input, and a body cut off leaves nothing behind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "http/listener.hpp"
#include "http/sink_body.hpp"
#include "store/database.hpp"
#include "upload/file_names.hpp"
#include "upload/http_files.hpp"

using namespace jabberadmin;
using namespace jabberadmin::upload;

namespace {

void check_names(std::string_view in) {
  const std::string name = sanitize_file_name(in);
  if (name.empty() || name.size() > kMaxFileNameBytes || name.find_first_of("/\\") != std::string::npos ||
      name == "." || name == ".." || name.front() == '.')
    std::abort();
  for (const char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
  if (sanitize_file_name(name) != name) std::abort();  // well-formed already: nothing changes
  std::string decoded;
  if (!percent_decode(percent_encode(in), decoded) || decoded != in) std::abort();
  const std::string disposition = content_disposition(name, in.size() % 2 == 0);
  if (disposition.find_first_of("\r\n") != std::string::npos) std::abort();
  const std::size_t close = disposition.find('"', disposition.find('"') + 1);
  if (close == std::string::npos || disposition.find_first_of("\"\\", close + 1) != std::string::npos) std::abort();
  const std::string type = normalize_content_type(in);
  if (normalize_content_type(type) != type) std::abort();
  const Presentation shown = present(in);
  if (shown.content_type.find("html") != std::string::npos || shown.content_type.find("script") != std::string::npos ||
      shown.content_type.find("svg") != std::string::npos || shown.content_type.find("xml") != std::string::npos)
    std::abort();
}

struct World {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("upload-fuzz-" + std::to_string(::getpid()));
  store::Database db{dir / "db.sqlite"};
  UploadStore store{db, dir / "files"};
  Slots slots;
  Limits limits;
  HttpFiles files{slots, store, limits, [] { return Clock::time_point(std::chrono::hours(1)); }};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_names(in);

  static World* world = new World;  // one database for the run; kept to the end
  // One slot, re-issued each time: /upload/<64 a>/f.bin, 4 bytes of image/png.
  const std::string token(64, 'a');
  world->slots.take(token, Clock::time_point{});
  world->slots.issue(Slot{token, "a@example.org", "f.bin", data[0] % 2 ? "image/png" : "", 4, Clock::time_point::max()});

  // As the listener does: the header, the refusals from it, then a PUT's body streamed to
  // its file (the parser switched to SinkBody), anything else read whole and answered. The
  // input may hold two requests one after the other (a client's keep-alive): each is parsed
  // from what is left, and every loop ends when the input does.
  for (int round = 0; round < 2 && !in.empty(); ++round) {
    http::RequestParser parser;
    http::apply_limits(parser, http::Limits{.header_limit = 2048, .body_limit = 4096});
    parser.eager(false);
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    if (ec || !parser.is_header_done()) break;
    in.remove_prefix(used);
    if (http::refusal_on_header(parser) || world->files.refuse(parser.get())) break;
    auto streamed = world->files.stream(parser.get());
    if (std::holds_alternative<http::Response>(streamed)) break;
    auto& sink = std::get<std::unique_ptr<http::BodySink>>(streamed);
    if (sink) {
      if (parser.get().method() != boost::beast::http::verb::put) std::abort();  // only a PUT streams
      http::SinkParser body(std::move(parser));
      body.get().body() = std::move(sink);
      while (!body.is_done() && !in.empty()) {
        const std::size_t n = body.put(boost::asio::buffer(in.data(), in.size()), ec);
        if (ec) break;
        in.remove_prefix(n);
        if (n == 0) break;
      }
      if (!body.is_done()) break;  // cut off: the sink goes unfinished, nothing stored
      const http::Response answer = body.get().body()->finish();
      if (answer.result() == boost::beast::http::status::created && !world->store.find(token)) std::abort();
      continue;
    }
    parser.eager(true);
    while (!parser.is_done() && !in.empty()) {
      const std::size_t n = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
      if (ec == boost::beast::http::error::need_more) ec = {};
      if (ec) break;
      in.remove_prefix(n);
      if (n == 0) break;
    }
    if (!parser.is_done()) break;
    http::Request request = parser.release();
    if (request.body().size() > 4096) std::abort();
    if (auto file = world->files.serve(request)) {
      if (request.method() != boost::beast::http::verb::get || file->body().size() != 4) std::abort();
      continue;
    }
    const http::Response answer = world->files.answer(request);
    if (answer.result() == boost::beast::http::status::created) std::abort();  // only a sink stores
  }
  world->store.remove_owner("a@example.org");  // the next PUT of the same token starts afresh
  return 0;
}
