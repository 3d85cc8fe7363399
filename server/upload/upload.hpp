// XEP-0363 HTTP File Upload: the service on <upload_service>.<host> for each served host
// (jabberadmin.conf(5): "upload" by default, "" for none; nothing without the HTTPS
// listener, http_port 0). Local accounts ask it for a slot, then PUT the file over HTTPS and
// share the GET URL; files expire and a periodic sweep removes them; a removed account's
// files go with it (module::AccountData). README.md beside this file argues the choices.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "module/module.hpp"
#include "upload/http_files.hpp"
#include "upload/slots.hpp"
#include "upload/upload_store.hpp"

namespace jabberadmin::upload {

struct UploadOptions {
  std::string subdomain = "upload";
  Limits limits;
  std::filesystem::path dir;        // where the files are kept
  std::uint16_t http_port = 0;      // the HTTPS listener's, in the URLs
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  bool sweep_on_timer = false;      // the server's: sweep on the executor (tests call sweep())
};

class Upload final : public module::Module {
 public:
  // From the settings; expiry (cl-jabberd --upload-expire-seconds) overrides upload_expire_days.
  explicit Upload(module::Context& context, std::optional<std::chrono::milliseconds> expiry = std::nullopt);
  // Without settings (unit tests).
  Upload(module::Context& context, UploadOptions options);
  ~Upload() override;

  // One sweep: expired slots and files go (the timer runs it; tests call it).
  void sweep();
  UploadStore* store() noexcept { return store_.get(); }
  HttpFiles* http_files() noexcept { return files_.get(); }

 private:
  void handle(const stream::Stanza& stanza);
  void request_slot(const stream::Stanza& iq);
  void schedule_sweep(boost::asio::any_io_executor executor);

  UploadOptions options_;
  router::Router* router_ = nullptr;
  std::vector<std::string> domains_;
  Slots slots_;
  std::unique_ptr<UploadStore> store_;
  std::unique_ptr<HttpFiles> files_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void()> stop_sweeping_;
  std::vector<module::Registration> registrations_;
};

}  // namespace jabberadmin::upload
