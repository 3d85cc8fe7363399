#include "extdisco/external_services.hpp"

#include "jabberadmin/error.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::extdisco {
namespace {
using ns::kExtdisco;

std::optional<std::string> read_secret(const std::filesystem::path& file) {
  if (file.empty()) return std::nullopt;
  try {
    std::string secret = read_secret_file(file);
    if (secret.empty()) throw Error(ErrorKind::Directory, "secret file " + file.string() + " is empty");
    return secret;
  } catch (const Error& e) {
    log::error(std::string("calls: no TURN credentials can be made (STUN only): ") + e.what());
    return std::nullopt;
  }
}

// A <service/> of the request matches s when each attribute it gives is s's.
bool matches(const xml::Element& wanted, const Service& s) {
  const auto same = [&](std::string_view name, std::string_view value) {
    const std::string given = wanted.attr_or(std::string(name));
    return given.empty() || given == value;
  };
  return same("type", s.type) && same("transport", s.transport) && same("host", s.host) &&
         same("port", std::to_string(s.port));
}
}  // namespace

ExternalServices::ExternalServices(module::Context& context)
    : ExternalServices(context, setup::turn_services(context.settings()), turn_secret_path(context.settings().jabber),
                       std::chrono::seconds(context.settings().jabber.turn_credential_lifetime),
                       [] { return std::chrono::system_clock::now(); }) {}

ExternalServices::ExternalServices(module::Context& context, std::vector<Service> services,
                                   std::filesystem::path secret_file, std::chrono::seconds lifetime, Clock now)
    : Module("extdisco"),
      services_(std::move(services)),
      secret_file_(std::move(secret_file)),
      lifetime_(lifetime),
      now_(std::move(now)) {
  if (services_.empty()) return;  // calls off: not advertised at all
  secret_ = read_secret(secret_file_);
  handler_ = context.handle_iq(router::IqTarget::Server, std::string(kExtdisco),
                               [this](router::Router& r, const stream::Stanza& iq) { handle(r, iq); });
}

void ExternalServices::reload() {
  if (!services_.empty()) secret_ = read_secret(secret_file_);
}

xml::Element ExternalServices::describe(const Service& s, const std::optional<TurnCredentials>& credentials) {
  xml::Element e("service", std::string(kExtdisco));
  e.set_attr("type", s.type);
  e.set_attr("transport", s.transport);
  e.set_attr("host", s.host);
  e.set_attr("port", std::to_string(s.port));
  if (s.restricted && credentials) {
    const TurnCredentials& c = *credentials;
    e.set_attr("restricted", "1");
    e.set_attr("username", c.username);
    e.set_attr("password", c.password);
    e.set_attr("expires", util::xmpp_datetime(c.expires));
  }
  return e;
}

void ExternalServices::handle(router::Router& r, const stream::Stanza& iq) {
  const Jid& from = iq.from();
  // Only the server's own accounts (what their stream stamped); a remote server's users and
  // the server itself get nothing.
  if (from.local.empty() || !r.serves(from.domain))
    return r.bounce(iq, "auth", "forbidden", "Only this server's accounts may use its relay");
  const xml::Element* request = iq.payload();
  if (iq.type() != "get" || request == nullptr) return r.bounce(iq, "modify", "bad-request");
  std::optional<TurnCredentials> credentials;
  if (secret_) credentials = turn_credentials(*secret_, from.bare(), now_() + lifetime_);
  xml::Element reply = stream::iq_result(iq);
  if (request->is("services", kExtdisco)) {
    // §3.1: all services, or those of one type.
    const std::string type = request->attr_or("type");
    xml::Element& list = reply.add(xml::Element("services", std::string(kExtdisco)));
    if (!type.empty()) list.set_attr("type", type);
    for (const Service& s : services_)
      if ((type.empty() || s.type == type) && usable(s)) list.add(describe(s, credentials));
    return r.reply(iq, reply);
  }
  if (request->is("credentials", kExtdisco)) {
    // §3.3: fresh credentials for the service(s) named.
    xml::Element& list = reply.add(xml::Element("credentials", std::string(kExtdisco)));
    for (const xml::Element& wanted : request->children())
      if (wanted.is("service", kExtdisco))
        for (const Service& s : services_)
          if (s.restricted && usable(s) && matches(wanted, s)) list.add(describe(s, credentials));
    if (list.children().empty()) return r.bounce(iq, "cancel", "item-not-found", "No such service with credentials");
    return r.reply(iq, reply);
  }
  r.bounce(iq, "cancel", "feature-not-implemented");
}

}  // namespace jabberadmin::extdisco
