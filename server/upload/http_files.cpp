#include "upload/http_files.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <charconv>

#include "upload/file_names.hpp"
#include "util/log.hpp"

namespace jabberadmin::upload {
namespace bhttp = boost::beast::http;
namespace {

// The token and the decoded file name of /upload/<token>/<name>, if the target has that shape.
struct Target {
  std::string token;
  std::string file_name;
};
std::optional<Target> parse_target(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with(kUploadPath)) return std::nullopt;
  path.remove_prefix(kUploadPath.size());
  const std::size_t slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Target t{std::string(path.substr(0, slash)), {}};
  const std::string_view name = path.substr(slash + 1);
  if (!is_token(t.token) || name.empty() || name.find('/') != std::string_view::npos ||
      !percent_decode(name, t.file_name))
    return std::nullopt;
  return t;
}

// Every answer of the route: readable from web clients of any origin (XEP-0363 §5).
http::Response answer_with(unsigned version, bhttp::status status, std::string_view text) {
  http::Response response = http::text_response(version, status, text);
  response.set(bhttp::field::access_control_allow_origin, "*");
  return response;
}

// Every answer with a stored file (GET and HEAD): how it is shown, and that nothing in it runs.
template <class Message>
void set_file_headers(Message& r, const StoredFile& file) {
  const Presentation shown = present(file.content_type);
  r.set(bhttp::field::content_type, shown.content_type);
  r.set(bhttp::field::content_disposition, content_disposition(file.file_name, shown.inline_display));
  r.set(bhttp::field::access_control_allow_origin, "*");
  r.set("X-Content-Type-Options", "nosniff");
  r.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox");
}

// A PUT's body on its way to the disk; its finish stores the file and answers 201.
class UploadSink : public http::BodySink {
 public:
  UploadSink(std::unique_ptr<Incoming> file, Clock::time_point expires, unsigned version)
      : file_(std::move(file)), expires_(expires), version_(version) {}
  bool write(const char* data, std::size_t size) override { return file_->write(data, size); }
  http::Response finish() override {
    try {
      file_->commit(expires_);
    } catch (const std::exception& e) {
      log::error(std::string("upload: cannot store a file: ") + e.what());
      return answer_with(version_, bhttp::status::internal_server_error, "Cannot store the file");
    }
    log::info("upload: " + file_->slot().owner + " stored " + std::to_string(file_->slot().size) + " bytes");
    return answer_with(version_, bhttp::status::created, "Created");
  }

 private:
  std::unique_ptr<Incoming> file_;
  Clock::time_point expires_;
  unsigned version_;
};

}  // namespace

std::string file_path(const std::string& token, const std::string& file_name) {
  return std::string(kUploadPath) + token + "/" + percent_encode(file_name);
}

http::Route HttpFiles::route() {
  http::Route route;
  route.refusal = [this](const http::Request& header) { return refuse(header); };
  route.stream_body = [this](const http::Request& header) { return stream(header); };
  route.serve_file = [this](const http::Request& request) { return serve(request); };
  route.answer = [this](const http::Request& request) { return answer(request); };
  // The PUT's body goes to its file as it arrives (no more than a slot's size: the refusal
  // checked Content-Length), at no more than the rate limit, and may take longer than a
  // small request: five minutes, plus its length over the rate when there is one.
  route.body_limit = limits_.max_file_size;
  route.body_timeout = std::chrono::minutes(5);
  route.rate_limit = limits_.rate_limit;
  return route;
}

std::optional<http::Response> HttpFiles::refuse(const http::Request& header) {
  const unsigned version = header.version();
  switch (header.method()) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::options:
      return std::nullopt;
    case bhttp::verb::put:
      break;
    default: {
      http::Response r = answer_with(version, bhttp::status::method_not_allowed, "Method not allowed");
      r.set(bhttp::field::allow, "GET, HEAD, PUT, OPTIONS");
      return r;
    }
  }
  const auto target = parse_target(http::view(header.target()));
  const Slot* slot = target ? slots_.find(target->token, now_()) : nullptr;
  if (slot == nullptr || slot->file_name != target->file_name)
    return answer_with(version, bhttp::status::forbidden, "No such upload slot (unknown, used or expired)");
  const auto length = header.find(bhttp::field::content_length);
  if (length == header.end()) return answer_with(version, bhttp::status::length_required, "Content-Length required");
  if (header.chunked()) return answer_with(version, bhttp::status::bad_request, "Chunked uploads are not accepted");
  const std::string_view declared = http::view(length->value());
  std::uint64_t bytes = 0;
  const auto [end, error] = std::from_chars(declared.data(), declared.data() + declared.size(), bytes);
  const bool number = !declared.empty() && end == declared.data() + declared.size() &&
                      std::all_of(declared.begin(), declared.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!number && error != std::errc::result_out_of_range)
    return answer_with(version, bhttp::status::bad_request, "Content-Length is not a number");
  if (error == std::errc::result_out_of_range || bytes != slot->size)
    return answer_with(version, error == std::errc::result_out_of_range || bytes > slot->size
                                    ? bhttp::status::payload_too_large
                                    : bhttp::status::bad_request,
                       "Content-Length must be the slot's size, " + std::to_string(slot->size));
  const auto type = header.find(bhttp::field::content_type);
  if (!slot->content_type.empty() && type != header.end() && normalize_content_type(http::view(type->value())) != slot->content_type)
    return answer_with(version, bhttp::status::bad_request, "Content-Type must be the slot's, " + slot->content_type);
  return std::nullopt;
}

std::variant<std::unique_ptr<http::BodySink>, http::Response> HttpFiles::stream(const http::Request& header) {
  const unsigned version = header.version();
  if (header.method() != bhttp::verb::put) {
    // Only a PUT has a body here; another's would be read into memory up to a file's size.
    const auto length = header.find(bhttp::field::content_length);
    if (length != header.end() && http::view(length->value()) != "0")
      return answer_with(version, bhttp::status::bad_request, "Only a PUT has a body");
    return std::unique_ptr<http::BodySink>();
  }
  const auto target = parse_target(http::view(header.target()));
  // The slot is used now, whatever happens: one try each.
  std::optional<Slot> slot = target ? slots_.take(target->token, now_()) : std::nullopt;
  if (!slot || slot->file_name != target->file_name)
    return answer_with(version, bhttp::status::forbidden, "No such upload slot (unknown, used or expired)");
  if (slot->content_type.empty())  // none declared: the PUT's says
    slot->content_type = normalize_content_type(http::view(header[bhttp::field::content_type]));
  const Clock::time_point expires =
      limits_.file_lifetime.count() == 0 ? Clock::time_point::max() : now_() + limits_.file_lifetime;
  try {
    return std::make_unique<UploadSink>(store_.receive(*slot), expires, version);
  } catch (const std::exception& e) {
    log::error(std::string("upload: cannot store a file: ") + e.what());
    return answer_with(version, bhttp::status::internal_server_error, "Cannot store the file");
  }
}

std::optional<http::FileResponse> HttpFiles::serve(const http::Request& request) {
  if (request.method() != bhttp::verb::get) return std::nullopt;
  const auto target = parse_target(http::view(request.target()));
  if (!target) return std::nullopt;
  const std::optional<StoredFile> file = store_.find(target->token);
  if (!file || file->file_name != target->file_name || file->expires <= now_()) return std::nullopt;
  http::FileResponse r(bhttp::status::ok, request.version());
  boost::system::error_code ec;
  r.body().open(store_.path(*file).c_str(), boost::beast::file_mode::scan, ec);
  if (ec) {
    log::error("upload: cannot open " + store_.path(*file).string() + ": " + ec.message());
    return std::nullopt;  // answer says 500
  }
  set_file_headers(r, *file);
  r.prepare_payload();
  return r;
}

http::Response HttpFiles::answer(const http::Request& request) {
  const unsigned version = request.version();
  if (request.method() == bhttp::verb::options) {
    http::Response r(bhttp::status::no_content, version);  // no body, not even text_response's
    r.set(bhttp::field::access_control_allow_origin, "*");
    r.set(bhttp::field::access_control_allow_methods, "GET, HEAD, PUT, OPTIONS");
    r.set(bhttp::field::access_control_allow_headers, "Content-Type");
    r.set(bhttp::field::access_control_max_age, "86400");
    r.prepare_payload();
    return r;
  }
  // A PUT is streamed (stream()); one here had no sink, so it has no slot.
  if (request.method() == bhttp::verb::put)
    return answer_with(version, bhttp::status::forbidden, "No such upload slot (unknown, used or expired)");
  const auto target = parse_target(http::view(request.target()));
  if (!target) return answer_with(version, bhttp::status::not_found, "Not found");
  const std::optional<StoredFile> file = store_.find(target->token);
  if (!file || file->file_name != target->file_name || file->expires <= now_())
    return answer_with(version, bhttp::status::not_found, "Not found");
  // A GET of a file serve() could not open.
  if (request.method() != bhttp::verb::head)
    return answer_with(version, bhttp::status::internal_server_error, "Cannot read the file");
  http::Response r(bhttp::status::ok, version);
  set_file_headers(r, *file);
  r.content_length(file->size);
  return r;
}

}  // namespace jabberadmin::upload
