// The upload service's HTTP side, under /upload/<token>/<file name> on the HTTPS listener:
// PUT stores a slot's file (only an issued, unused, unexpired slot; Content-Length exactly
// the slot's size, Content-Type the declared one; refused from the header, before any body
// is read), GET and HEAD serve it (file_names.hpp's presentation, nosniff, a sandboxing
// CSP), OPTIONS answers the CORS preflight browsers send before a PUT (XEP-0363 §5).
#pragma once

#include <functional>
#include <string>

#include "http/routes.hpp"
#include "upload/slots.hpp"
#include "upload/upload_store.hpp"

namespace jabberadmin::upload {

inline constexpr std::string_view kUploadPath = "/upload/";

// The path of a slot's file: /upload/<token>/<percent-encoded file name>.
std::string file_path(const std::string& token, const std::string& file_name);

class HttpFiles {
 public:
  HttpFiles(Slots& slots, UploadStore& store, const Limits& limits, std::function<Clock::time_point()> now)
      : slots_(slots), store_(store), limits_(limits), now_(std::move(now)) {}

  // The route for kUploadPath; this object must outlive its registration.
  http::Route route();

  // What the route does, for the tests: the refusal of a request from its header alone,
  // and the answer to the whole request.
  std::optional<http::Response> refuse(const http::Request& header);
  // A PUT's sink (its file, written as the body arrives), or a refusal; no sink for others.
  std::variant<std::unique_ptr<http::BodySink>, http::Response> stream(const http::Request& header);
  // A GET of a stored file, its body the open file; none for anything else.
  std::optional<http::FileResponse> serve(const http::Request& request);
  http::Response answer(const http::Request& request);

 private:
  Slots& slots_;
  UploadStore& store_;
  const Limits& limits_;
  std::function<Clock::time_point()> now_;
};

}  // namespace jabberadmin::upload
