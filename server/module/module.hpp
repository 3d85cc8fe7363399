// The module contract: how a feature plugs into cl-jabberd (in the spirit of Prosody's
// module:hook and ejabberd's hooks).
//
// A feature is one folder, server/<feature>/, with one class deriving from module::Module.
// The server builds the modules in the order of the one list in app/modules.cpp, handing
// each a module::Context; the constructor registers everything the feature does:
//
//   - IQ handlers by (target, namespace): context.handle_iq(), which also advertises the
//     namespace in disco#info (context.disco_feature() for a feature without a handler);
//   - stanza hooks and observers of the router: context.router().on_unbind(), ... ;
//   - stream features, before or after authentication: context.stream_feature();
//   - and it reaches the settings, the directory cache, the database and the executor
//     through the context, and the modules built before it through context.require<M>()
//     (a declared dependency: the roster requires presence).
//
// Every registration returns a util::Registration; the module keeps them as members, so
// destroying the module unregisters all of it: its destructor is its teardown. The modules
// are destroyed in the reverse order of the list, before the router and the registries.
// Destroying a registration (or a whole module) from inside one of its own running hooks
// is safe: the running callback is kept alive until it returns (it must not touch its
// destroyed module after that point), and nothing of it is called afterwards.
//
// Adding a feature: write server/<feature>/<feature>.{hpp,cpp} with the class, and add one
// line, module::make<feature::Module>(), to the list in app/modules.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "directory/directory_cache.hpp"
#include "jabberadmin/settings.hpp"
#include "module/account_data.hpp"
#include "module/disco_features.hpp"
#include "router/router.hpp"
#include "store/database.hpp"
#include "stream/features.hpp"
#include "util/registration.hpp"

namespace jabberadmin::http {
class Routes;  // http/routes.hpp, included by the modules that serve a path
struct Route;
}  // namespace jabberadmin::http

namespace jabberadmin::module {

using util::Registration;

class Module {
 public:
  explicit Module(std::string name) : name_(std::move(name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const noexcept { return name_; }
  // SIGHUP: reopen files, reread what may have changed. Most modules have nothing to do.
  virtual void reload() {}

 private:
  std::string name_;
};

// What the server lends its modules; all of it outlives them. The last four are optional
// (unit tests start modules on a bare router): a module asking for one that is missing gets
// std::logic_error naming it.
struct Services {
  router::Router& router;
  stream::StreamFeatures& stream_features;
  DiscoFeatures& disco_features;
  const Settings* settings = nullptr;
  directory::DirectoryCache* directory = nullptr;  // live users and groups, never an LDAP search
  store::Database* database = nullptr;
  boost::asio::any_io_executor executor = {};      // timers, posted work
  http::Routes* http_routes = nullptr;             // the HTTPS listener's paths (upload, BOSH, ...)
};

class Context {
 public:
  // Registrations.
  Registration handle_iq(router::IqTarget target, std::string xmlns, router::IqHandler handler);
  // without_handler: why var is advertised with no IQ handler of its own (the roster's
  // handler is the router's; msgoffline is a behaviour), read by the disco audit test.
  Registration disco_feature(router::IqTarget target, std::string var, std::string without_handler = {});
  Registration disco_identity(router::IqTarget target, const std::string& category, const std::string& type) {
    return services_.disco_features.add_identity(target, category, type);
  }
  Registration disco_info_node(router::IqTarget target, std::string node) {
    return services_.disco_features.add_info_node(target, std::move(node));
  }
  Registration disco_items(router::IqTarget target, DiscoFeatures::ItemsProvider provider) {
    return services_.disco_features.add_items(target, std::move(provider));
  }
  // The items of one disco#items node (XEP-0050's command list).
  Registration disco_items_node(router::IqTarget target, std::string node, DiscoFeatures::ItemsProvider provider) {
    return services_.disco_features.add_items_node(target, std::move(node), std::move(provider));
  }
  Registration stream_feature(stream::FeatureStage stage, const xml::Element& feature);

  // Services.
  router::Router& router() const noexcept { return services_.router; }
  bool has_settings() const noexcept { return services_.settings != nullptr; }
  const Settings& settings() const;
  directory::DirectoryCache& directory() const;
  store::Database& database() const;
  bool has_executor() const noexcept { return static_cast<bool>(services_.executor); }
  boost::asio::any_io_executor executor() const;
  // A path prefix served on the HTTPS listener (http/routes.hpp), kept while registered.
  Registration http_route(std::string prefix, http::Route route);
  const DiscoFeatures& disco_features() const noexcept { return services_.disco_features; }
  stream::StreamFeatures& stream_features() const noexcept { return services_.stream_features; }
  // What the modules keep per account, and the event that removes it (module/account_data).
  AccountData& account_data() const noexcept { return *account_data_; }

  // A module built before this one (earlier in the list); std::logic_error if there is none.
  template <class M>
  M& require() const {
    for (const auto& m : *modules_)
      if (auto* found = dynamic_cast<M*>(m.get())) return *found;
    throw std::logic_error(std::string("a module needs ") + typeid(M).name() + ", which is not started before it");
  }

 private:
  friend class Modules;
  Context(Services services, const std::vector<std::unique_ptr<Module>>& modules, AccountData& account_data)
      : services_(services), modules_(&modules), account_data_(&account_data) {}
  [[noreturn]] void missing(std::string_view what) const;

  Services services_;
  const std::vector<std::unique_ptr<Module>>* modules_;
  AccountData* account_data_;
};

// Who may be sent messages: the directory's users, on every host we serve, unless locked
// (a message to a locked account is refused, neither stored nor written to the history:
// cl-jabberd(8)). Until the first refresh has arrived nobody can be told apart from a
// stranger: messages are kept rather than refused then. directory must outlive the result.
std::function<bool(const Jid& bare)> message_recipients(const directory::DirectoryCache& directory);

// Builds one module.
using Factory = std::function<std::unique_ptr<Module>(Context&)>;

// The usual factory: M's constructor takes the context.
template <class M>
Factory make() {
  return [](Context& context) { return std::make_unique<M>(context); };
}

// The running modules: built in list order, destroyed in reverse.
class Modules {
 public:
  Modules(Services services, const std::vector<Factory>& list);
  ~Modules();
  Modules(const Modules&) = delete;
  Modules& operator=(const Modules&) = delete;

  void reload();
  // What the modules keep per account (the roster fires its removal; tests may too).
  const AccountData& account_data() const noexcept { return account_data_; }
  template <class M>
  M* find() const {
    for (const auto& m : modules_)
      if (auto* found = dynamic_cast<M*>(m.get())) return found;
    return nullptr;
  }

 private:
  AccountData account_data_;  // before the modules, which register with it
  std::vector<std::unique_ptr<Module>> modules_;
  Context context_;
};

}  // namespace jabberadmin::module
