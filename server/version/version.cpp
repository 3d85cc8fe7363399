#include "version/version.hpp"

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::version {
namespace {
using ns::kVersion;
}

Version::Version(module::Context& context) : Version(context, "cl-jabberd", JABBERADMIN_VERSION) {}

Version::Version(module::Context& context, std::string name, std::string version)
    : Module("version"),
      handler_(context.handle_iq(router::IqTarget::Server, std::string(kVersion),
                                 [name = std::move(name), version = std::move(version)](router::Router& r,
                                                                                        const stream::Stanza& iq) {
                                   if (iq.type() != "get") return r.bounce(iq, "cancel", "not-allowed");
                                   xml::Element reply = stream::iq_result(iq);
                                   xml::Element& q = reply.add(xml::Element("query", std::string(kVersion)));
                                   q.add(xml::Element("name", std::string(kVersion))).add_text(name);
                                   q.add(xml::Element("version", std::string(kVersion))).add_text(version);
                                   r.reply(iq, reply);
                                 })) {}

}  // namespace jabberadmin::version
