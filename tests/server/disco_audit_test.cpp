// XEP-0030 audit: the server runs the modules of the one list (app/modules.cpp), and every
// feature its disco#info then lists, for the server and for accounts, is answered by an IQ
// handler or carries the reason it is advertised without one. Derived from the registries,
// so features other modules add later are checked the same way.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "app/modules.hpp"
#include "directory/directory_cache.hpp"
#include "module/module.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin {
namespace {

TEST(DiscoAudit, EveryAdvertisedFeatureIsHandledOrExplained) {
  test::TempDir tmp("disco-audit");
  boost::asio::io_context io;
  router::Router router({"example.org"});
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  Settings settings;
  directory::DirectoryCache directory;
  store::Database database(tmp / "jabberadmin.sqlite");
  module::Modules modules(module::Services{router, stream_features, disco_features, &settings, &directory, &database,
                                           io.get_executor()},
                          app::modules(app::Options{}));

  std::size_t checked = 0;
  for (auto target : {router::IqTarget::Server, router::IqTarget::Account}) {
    const char* name = target == router::IqTarget::Server ? "server" : "account";
    for (const std::string& var : disco_features.of(target)) {
      ++checked;
      EXPECT_TRUE(router.handles_iq(target, var) || !disco_features.without_handler(target, var).empty())
          << name << " advertises " << var << " but nothing answers it and no reason is given";
    }
  }
  EXPECT_GT(checked, 10u);
  // What this server does beyond IQ namespaces is advertised too (XEP-0160).
  const auto server = disco_features.of(router::IqTarget::Server);
  EXPECT_NE(std::find(server.begin(), server.end(), "msgoffline"), server.end());
}

TEST(DiscoAudit, AFeatureWithoutHandlerOrReasonIsCaught) {
  // The check above can fail: a bare advertisement has neither.
  router::Router router({"example.org"});
  module::DiscoFeatures disco_features;
  auto bare = disco_features.add(router::IqTarget::Server, "urn:example:nothing");
  auto explained = disco_features.add(router::IqTarget::Server, "urn:example:behaviour", "a behaviour");
  EXPECT_FALSE(router.handles_iq(router::IqTarget::Server, "urn:example:nothing"));
  EXPECT_EQ(disco_features.without_handler(router::IqTarget::Server, "urn:example:nothing"), "");
  EXPECT_EQ(disco_features.without_handler(router::IqTarget::Server, "urn:example:behaviour"), "a behaviour");
  auto handled = router.handle_iq(router::IqTarget::Server, "urn:example:nothing", [](router::Router&, const xml::Element&) {});
  EXPECT_TRUE(router.handles_iq(router::IqTarget::Server, "urn:example:nothing"));
  EXPECT_FALSE(router.handles_iq(router::IqTarget::Account, "urn:example:nothing"));
}

}  // namespace
}  // namespace jabberadmin
