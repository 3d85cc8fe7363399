// XEP-0215: the relay's services for local accounts, TURN entries with coturn REST
// credentials (the expected passwords computed independently, with Python's hmac), the
// secret re-read on reload, and strangers refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "extdisco/external_services.hpp"
#include "extdisco/turn_credentials.hpp"
#include "fakes.hpp"
#include "module/module.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::extdisco {
namespace {
namespace fs = std::filesystem;
using test::FakeSession;
using ns::kExtdisco;

// 2006-12-19T17:48:35Z less a day: credentials of a day's lifetime expire at 1166550515.
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1166464115));

TEST(TurnCredentials, CoturnsRestForm) {
  const auto c = turn_credentials("s3cret", "alice@example.org", kNow + std::chrono::hours(24));
  EXPECT_EQ(c.username, "1166550515:alice@example.org");
  EXPECT_EQ(c.password, "fvxcheeydalYghzytSsX254W9mo=");
  EXPECT_NE(turn_credentials("other", "alice@example.org", kNow + std::chrono::hours(24)).password, c.password);
  EXPECT_EQ(turn_credentials("other", "alice@example.org", kNow + std::chrono::hours(24)).password,
            "8Y1MVzaBD/vTFYqkrpwAhUPJlpA=");
}

void write_secret(const fs::path& file, std::string_view secret, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(file) << secret << "\n";
  fs::permissions(file, mode);
}

struct World {
  fs::path dir = fs::temp_directory_path() / ("extdisco-" + std::to_string(::getpid()));
  fs::path secret = dir / "turn-secret";
  router::Router router{{"example.org"}};
  stream::StreamFeatures stream_features;
  module::DiscoFeatures disco_features;
  std::unique_ptr<module::Modules> modules;
  FakeSession alice{*Jid::parse("alice@example.org/a")};

  explicit World(std::vector<Service> services = {{"stun", "udp", "turn.example.org", 3478, false},
                                                  {"turn", "udp", "turn.example.org", 3478, true},
                                                  {"turn", "tcp", "turn.example.org", 3478, true},
                                                  {"turns", "tcp", "turn.example.org", 5349, true}}) {
    fs::create_directories(dir);
    write_secret(secret, "s3cret");
    modules = std::make_unique<module::Modules>(
        module::Services{router, stream_features, disco_features},
        std::vector<module::Factory>{[&, services](module::Context& c) {
          return std::make_unique<ExternalServices>(c, services, secret, std::chrono::hours(24), [] { return kNow; });
        }});
    alice.host = &router;
    router.bind(alice);
  }
  ~World() { fs::remove_all(dir); }

  xml::Element ask(FakeSession& from, xml::Element payload, std::string_view type = "get") {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("type", type).set_attr("id", "x1").set_attr("to", "example.org").set_attr("from", from.jid().full());
    iq.add(std::move(payload));
    from.received.clear();
    router.on_stanza(from, iq);
    EXPECT_EQ(from.received.size(), 1u);
    return from.received.empty() ? xml::Element() : from.received[0];
  }
  static xml::Element services(std::string_view type = {}) {
    xml::Element s("services", std::string(kExtdisco));
    if (!type.empty()) s.set_attr("type", type);
    return s;
  }
};

// Copies: the reply is often a temporary.
std::vector<xml::Element> entries(const xml::Element& reply, std::string_view list) {
  std::vector<xml::Element> out;
  const xml::Element* l = reply.child(list, kExtdisco);
  if (l == nullptr) return out;
  for (const auto& c : l->children())
    if (c.is("service", kExtdisco)) out.push_back(c);
  return out;
}

TEST(ExternalServices, LocalAccountsGetEveryServiceAndTurnCredentials) {
  World w;
  const auto features = w.disco_features.of(router::IqTarget::Server);
  EXPECT_NE(std::find(features.begin(), features.end(), kExtdisco), features.end());
  const xml::Element reply = w.ask(w.alice, World::services());
  EXPECT_EQ(reply.attr_or("type"), "result");
  const auto list = entries(reply, "services");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].attr_or("type"), "stun");
  EXPECT_EQ(list[0].attr_or("transport"), "udp");
  EXPECT_EQ(list[0].attr_or("port"), "3478");
  EXPECT_EQ(list[0].attr_or("username"), "") << "STUN needs no credentials";
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(list[i].attr_or("restricted"), "1");
    EXPECT_EQ(list[i].attr_or("username"), "1166550515:alice@example.org");
    EXPECT_EQ(list[i].attr_or("password"), "fvxcheeydalYghzytSsX254W9mo=");
    EXPECT_EQ(list[i].attr_or("expires"), "2006-12-19T17:48:35.000Z");
    EXPECT_EQ(list[i].attr_or("host"), "turn.example.org");
  }
  EXPECT_EQ(list[3].attr_or("type"), "turns");
  EXPECT_EQ(list[3].attr_or("port"), "5349");
  // One type only (§3.1).
  const auto turns = entries(w.ask(w.alice, World::services("turn")), "services");
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0].attr_or("transport"), "udp");
  EXPECT_EQ(turns[1].attr_or("transport"), "tcp");
}

TEST(ExternalServices, CredentialsForANamedService) {
  World w;
  xml::Element request("credentials", std::string(kExtdisco));
  request.add(xml::Element("service", std::string(kExtdisco))).set_attr("host", "turn.example.org").set_attr("type", "turns");
  const auto list = entries(w.ask(w.alice, request), "credentials");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].attr_or("port"), "5349");
  EXPECT_EQ(list[0].attr_or("password"), "fvxcheeydalYghzytSsX254W9mo=");

  xml::Element unknown("credentials", std::string(kExtdisco));
  unknown.add(xml::Element("service", std::string(kExtdisco))).set_attr("host", "elsewhere.example").set_attr("type", "turn");
  const xml::Element refused = w.ask(w.alice, unknown);
  EXPECT_EQ(refused.attr_or("type"), "error");
  EXPECT_NE(refused.child("error", ns::kClient)->child("item-not-found", ns::kStanzaErrors), nullptr);
}

TEST(ExternalServices, StrangersAndSetsAreRefused) {
  World w;
  // A remote server's user (as an inbound link stamps it): forbidden, no credentials. The
  // answer goes out by federation, caught here.
  std::vector<std::string> sent_out;
  auto remote = w.router.route_remote([&](const stream::Stanza& s) { sent_out.push_back(xml::serialize(s.element(), ns::kClient)); });
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "get").set_attr("id", "x1").set_attr("to", "example.org").set_attr("from", "eve@evil.example/x");
  iq.add(World::services());
  w.router.deliver(iq);
  ASSERT_EQ(sent_out.size(), 1u);
  EXPECT_NE(sent_out[0].find("forbidden"), std::string::npos) << sent_out[0];
  EXPECT_EQ(sent_out[0].find("password"), std::string::npos) << sent_out[0];
  const xml::Element set = w.ask(w.alice, World::services(), "set");
  EXPECT_EQ(set.attr_or("type"), "error");
  EXPECT_EQ(xml::serialize(set, ns::kClient).find("password"), std::string::npos);
}

TEST(ExternalServices, ASecretOthersMayReadGivesNoTurnUntilMended) {
  World w;
  write_secret(w.secret, "s3cret", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  w.modules->reload();
  const auto list = entries(w.ask(w.alice, World::services()), "services");
  ASSERT_EQ(list.size(), 1u) << "STUN only";
  EXPECT_EQ(list[0].attr_or("type"), "stun");
  write_secret(w.secret, "other");
  w.modules->reload();
  const auto again = entries(w.ask(w.alice, World::services("turn")), "services");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].attr_or("password"), "8Y1MVzaBD/vTFYqkrpwAhUPJlpA=") << "the new secret, after SIGHUP";
}

TEST(ExternalServices, OffMeansNotAdvertised) {
  World w(std::vector<Service>{});
  const auto features = w.disco_features.of(router::IqTarget::Server);
  EXPECT_EQ(std::find(features.begin(), features.end(), kExtdisco), features.end());
  EXPECT_EQ(w.ask(w.alice, World::services()).attr_or("type"), "error");
}

}  // namespace
}  // namespace jabberadmin::extdisco
