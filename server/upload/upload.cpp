#include "upload/upload.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <charconv>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "upload/file_names.hpp"
#include "util/log.hpp"

namespace jabberadmin::upload {
namespace {

// Slots one account may hold unused at once: each costs a little memory, even of 0 bytes.
constexpr std::size_t kMaxSlotsPerAccount = 64;

xml::Element disco_field(std::string_view var, std::string_view value, bool hidden = false) {
  xml::Element field("field", std::string(ns::kDataForms));
  field.set_attr("var", var);
  if (hidden) field.set_attr("type", "hidden");
  field.add(xml::Element("value", std::string(ns::kDataForms))).add_text(value);
  return field;
}

// A size attribute: decimal digits only, no sign, no more than 2^53 (what any client's
// number can say exactly).
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 16 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > (std::uint64_t{1} << 53)) return std::nullopt;
  return value;
}

UploadOptions options_from(module::Context& context, std::optional<std::chrono::milliseconds> expiry) {
  const JabberSettings& j = context.settings().jabber;
  UploadOptions o;
  // The HTTPS listener serves the files: without it there is no service.
  o.subdomain = j.http_port == 0 ? std::string() : j.upload_service;
  o.http_port = j.http_port;
  o.dir = j.data_dir / "upload";
  o.sweep_on_timer = true;
  o.limits.max_file_size = j.upload_max_file_size;
  o.limits.quota_per_user = j.upload_quota_per_user;
  o.limits.disk_quota = j.upload_disk_quota;
  o.limits.rate_limit = j.upload_rate_limit;
  // The clock's nanoseconds end in 2262: a life beyond a century is a century (the settings
  // allow more; cl-setup does not).
  o.limits.file_lifetime = std::chrono::days(std::min<std::size_t>(j.upload_expire_days, 36'500));
  if (expiry) o.limits.file_lifetime = std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(*expiry));
  return o;
}

}  // namespace

Upload::Upload(module::Context& context, std::optional<std::chrono::milliseconds> expiry)
    : Upload(context, context.has_settings() ? options_from(context, expiry) : UploadOptions{}) {}

Upload::Upload(module::Context& context, UploadOptions options) : Module("upload"), options_(std::move(options)) {
  if (options_.subdomain.empty()) return;  // upload turned off
  router_ = &context.router();
  store_ = std::make_unique<UploadStore>(context.database(), options_.dir);
  files_ = std::make_unique<HttpFiles>(slots_, *store_, options_.limits, options_.now);
  registrations_.push_back(context.http_route(std::string(kUploadPath), files_->route()));
  for (const std::string& host : router_->hosts()) {
    domains_.push_back(options_.subdomain + "." + host);
    registrations_.push_back(router_->serve_domain(domains_.back(), [this](const stream::Stanza& s) { handle(s); }));
  }
  // Each host lists its own service (XEP-0363 §3, through XEP-0030 items).
  registrations_.push_back(context.disco_items(router::IqTarget::Server, [this](const xml::Element& iq) {
    std::vector<xml::Element> items;
    const std::string domain = options_.subdomain + "." + iq.attr_or("to");
    if (std::find(domains_.begin(), domains_.end(), domain) == domains_.end()) return items;
    xml::Element item("item", std::string(ns::kDiscoItems));
    item.set_attr("jid", domain).set_attr("name", "HTTP File Upload");
    items.push_back(std::move(item));
    return items;
  }));
  // A removed account's files go with it, and its unused slots.
  registrations_.push_back(context.account_data().keep(module::AccountData::Keeper{
      .name = "uploaded files",
      .known = [this](std::set<std::string>& bare_jids) { store_->owners(bare_jids); },
      .remove =
          [this](const std::vector<std::string>& bare_jids) {
            std::size_t removed = 0;
            for (const std::string& bare : bare_jids) {
              slots_.drop_owner(bare);
              removed += store_->remove_owner(bare);
            }
            return removed;
          },
  }));
  if (options_.sweep_on_timer) schedule_sweep(context.executor());
}

Upload::~Upload() {
  *alive_ = false;
  if (stop_sweeping_) stop_sweeping_();
}

void Upload::handle(const stream::Stanza& stanza) {
  if (!stanza.is_iq()) {
    if (stanza.is_message() && stanza.type() != "error") router_->bounce(stanza, "cancel", "service-unavailable");
    return;
  }
  if (stanza.type() != "get" && stanza.type() != "set") return;
  const xml::Element* payload = stanza.payload();
  if (payload == nullptr) return router_->bounce(stanza, "modify", "bad-request");
  if (stanza.type() == "get" && payload->is("query", ns::kDiscoInfo) && !payload->attr("node")) {
    xml::Element reply = stream::iq_result(stanza);
    xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoInfo)));
    q.add(xml::Element("identity", std::string(ns::kDiscoInfo)))
        .set_attr("category", "store")
        .set_attr("type", "file")
        .set_attr("name", "HTTP File Upload");
    for (std::string_view var : {ns::kDiscoInfo, ns::kDiscoItems, ns::kHttpUpload})
      q.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", var);
    // XEP-0363 §3 with XEP-0128: the largest file a slot is given for.
    xml::Element& form = q.add(xml::Element("x", std::string(ns::kDataForms)));
    form.set_attr("type", "result");
    form.add(disco_field("FORM_TYPE", ns::kHttpUpload, true));
    form.add(disco_field("max-file-size", std::to_string(options_.limits.max_file_size)));
    return router_->reply(stanza, reply);
  }
  if (stanza.type() == "get" && payload->is("query", ns::kDiscoItems) && !payload->attr("node")) {
    xml::Element reply = stream::iq_result(stanza);
    reply.add(xml::Element("query", std::string(ns::kDiscoItems)));
    return router_->reply(stanza, reply);
  }
  if (stanza.type() == "get" && payload->is("request", ns::kHttpUpload)) return request_slot(stanza);
  router_->bounce(stanza, "cancel", "service-unavailable");
}

void Upload::request_slot(const stream::Stanza& iq) {
  const Jid& from = iq.from();
  const auto& hosts = router_->hosts();
  // Only the server's own accounts (what the stream stamped): nobody else stores files here.
  if (from.local.empty() || std::find(hosts.begin(), hosts.end(), from.domain) == hosts.end())
    return router_->bounce(iq, "auth", "forbidden", "Only local accounts may upload");
  const xml::Element& request = *iq.payload();
  const auto size = parse_size(request.attr_or("size"));
  const std::string declared_name = request.attr_or("filename");
  if (!size || declared_name.empty())
    return router_->bounce(iq, "modify", "bad-request", "A slot request needs a filename and a size in bytes");
  const std::string owner = from.bare();
  const std::uint64_t owner_used = store_->bytes_of(owner) + slots_.reserved_by(owner);
  switch (check(options_.limits, *size, owner_used, store_->bytes() + slots_.reserved())) {
    case Refusal::TooLarge: {
      // §4.1: not-acceptable with the limit, so the client can tell its user.
      const std::string max = std::to_string(options_.limits.max_file_size);
      xml::Element reply = stream::error_reply(iq, "modify", "not-acceptable", "File too large. The maximum file size is " + max + " bytes");
      xml::Element* error = nullptr;
      for (xml::Element& child : reply.children())
        if (child.name() == "error") error = &child;
      xml::Element& too_large = error->add(xml::Element("file-too-large", std::string(ns::kHttpUpload)));
      too_large.add(xml::Element("max-file-size", std::string(ns::kHttpUpload))).add_text(max);
      return router_->reply(iq, reply);
    }
    case Refusal::UserQuota:
      return router_->bounce(iq, "wait", "resource-constraint",
                             "Your upload quota of " + std::to_string(options_.limits.quota_per_user) +
                                 " bytes is used up until some of your files expire");
    case Refusal::DiskQuota:
      return router_->bounce(iq, "wait", "resource-constraint", "The server's upload space is full");
    case Refusal::None:
      break;
  }
  const Clock::time_point now = options_.now();
  slots_.expire(now);
  Slot slot;
  slot.token = new_token();
  slot.owner = owner;
  slot.file_name = sanitize_file_name(declared_name);
  if (const auto type = request.attr("content-type"); type && !type->empty()) slot.content_type = normalize_content_type(*type);
  slot.size = *size;
  slot.expires = now + options_.limits.slot_lifetime;
  if (slots_.count_of(owner) >= kMaxSlotsPerAccount)
    return router_->bounce(iq, "wait", "resource-constraint", "Too many unused upload slots; use or let them expire first");
  // The URL names the host the service belongs to: the certificate's name.
  const std::string host = iq.to().domain.substr(options_.subdomain.size() + 1);
  const std::string url = "https://" + host + ":" + std::to_string(options_.http_port) + file_path(slot.token, slot.file_name);
  xml::Element reply = stream::iq_result(iq);
  xml::Element& answer = reply.add(xml::Element("slot", std::string(ns::kHttpUpload)));
  answer.add(xml::Element("put", std::string(ns::kHttpUpload))).set_attr("url", url);
  answer.add(xml::Element("get", std::string(ns::kHttpUpload))).set_attr("url", url);
  log::debug("upload: a slot of " + std::to_string(slot.size) + " bytes for " + owner);
  slots_.issue(std::move(slot));
  router_->reply(iq, reply);
}

void Upload::sweep() {
  const Clock::time_point now = options_.now();
  slots_.expire(now);
  const std::size_t removed = store_->remove_expired(now);
  if (removed > 0) log::info("upload: removed " + std::to_string(removed) + " expired files");
}

// At start, then every tenth of a file's life, between a second and an hour: a file
// outlives its expiry by that much at most.
void Upload::schedule_sweep(boost::asio::any_io_executor executor) {
  const std::chrono::seconds life = options_.limits.file_lifetime;
  const std::chrono::seconds every =
      life.count() == 0 ? std::chrono::seconds(std::chrono::hours(1))
                        : std::clamp<std::chrono::seconds>(life / 10, std::chrono::seconds(1), std::chrono::hours(1));
  auto timer = std::make_shared<boost::asio::steady_timer>(executor);
  stop_sweeping_ = [timer] { timer->cancel(); };
  auto run = std::make_shared<std::function<void()>>();
  *run = [this, timer, every, alive = std::weak_ptr<bool>(alive_), weak = std::weak_ptr<std::function<void()>>(run)] {
    const auto self = weak.lock();
    if (!self || alive.expired()) return;
    try {
      sweep();
    } catch (const std::exception& e) {
      log::error(std::string("upload: cannot remove expired files: ") + e.what());
    }
    timer->expires_after(every);
    timer->async_wait([self, alive](const boost::system::error_code& ec) {
      if (!ec && !alive.expired()) (*self)();
    });
  };
  boost::asio::post(executor, [run, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) (*run)();
  });
}

}  // namespace jabberadmin::upload
