#include "module/module.hpp"

#include "http/routes.hpp"

namespace jabberadmin::module {

Registration Context::handle_iq(router::IqTarget target, std::string xmlns, router::IqHandler handler) {
  Registration advertised = disco_feature(target, xmlns);
  Registration handled = services_.router.handle_iq(target, std::move(xmlns), std::move(handler));
  return Registration([advertised = std::make_shared<Registration>(std::move(advertised)),
                       handled = std::make_shared<Registration>(std::move(handled))] {
    handled->reset();
    advertised->reset();
  });
}

Registration Context::disco_feature(router::IqTarget target, std::string var, std::string without_handler) {
  return services_.disco_features.add(target, std::move(var), std::move(without_handler));
}

Registration Context::stream_feature(stream::FeatureStage stage, const xml::Element& feature) {
  return services_.stream_features.add(stage, feature);
}

void Context::missing(std::string_view what) const {
  throw std::logic_error("a module needs " + std::string(what) + ", which this server does not provide");
}

const Settings& Context::settings() const {
  if (services_.settings == nullptr) missing("the settings");
  return *services_.settings;
}

directory::DirectoryCache& Context::directory() const {
  if (services_.directory == nullptr) missing("the directory cache");
  return *services_.directory;
}

Registration Context::http_route(std::string prefix, http::Route route) {
  if (services_.http_routes == nullptr) missing("the HTTP routes");
  return services_.http_routes->add(std::move(prefix), std::move(route));
}

store::Database& Context::database() const {
  if (services_.database == nullptr) missing("the database");
  return *services_.database;
}

boost::asio::any_io_executor Context::executor() const {
  if (!services_.executor) missing("an executor");
  return services_.executor;
}

std::function<bool(const Jid& bare)> message_recipients(const directory::DirectoryCache& directory) {
  return [&directory](const Jid& bare) {
    if (!directory.ready()) return true;
    const User* user = directory.find(bare.local);
    return user != nullptr && !user->disabled();
  };
}

Modules::Modules(Services services, const std::vector<Factory>& list) : context_(services, modules_, account_data_) {
  try {
    for (const Factory& factory : list) modules_.push_back(factory(context_));
  } catch (...) {
    while (!modules_.empty()) modules_.pop_back();  // the reverse order, as always
    throw;
  }
}

Modules::~Modules() {
  while (!modules_.empty()) modules_.pop_back();
}

void Modules::reload() {
  for (const auto& m : modules_) m->reload();
}

}  // namespace jabberadmin::module
