// XEP-0115: the verification string and hash with the XEP's own examples (§5.2, §5.3), the
// §5.4 refusals, and the module asking a client once per unknown ver and believing only a
// matching answer.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "caps/caps.hpp"
#include "caps/caps_hash.hpp"
#include "disco/disco.hpp"
#include "module/module.hpp"
#include "ping/ping.hpp"
#include "fakes.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::caps {
namespace {
using test::FakeSession;

xml::Element parse(std::string_view text) { return *xml::parse_serialized(text, ns::kClient); }

// §5.2, the simple example.
constexpr std::string_view kSimple =
    "<query xmlns='http://jabber.org/protocol/disco#info'>"
    "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "</query>";

// §5.3, the complex example (identities in two languages, an extended-information form).
constexpr std::string_view kComplex =
    "<query xmlns='http://jabber.org/protocol/disco#info'>"
    "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
    "<identity xml:lang='el' category='client' name='\xce\xa8 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
    "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
    "<field var='os'><value>Mac</value></field>"
    "<field var='os_version'><value>10.5.1</value></field>"
    "<field var='software'><value>Psi</value></field>"
    "<field var='software_version'><value>0.11</value></field>"
    "</x></query>";

TEST(CapsHash, SimpleExampleOfTheXep) {
  const xml::Element q = parse(kSimple);
  EXPECT_EQ(verification_string(q),
            "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
            "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
  EXPECT_EQ(ver(q, "sha-1"), "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

TEST(CapsHash, ComplexExampleOfTheXep) {
  const xml::Element q = parse(kComplex);
  EXPECT_EQ(verification_string(q),
            "client/pc/el/\xce\xa8 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
            "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
            "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
            "os_version<10.5.1<software<Psi<software_version<0.11<");
  EXPECT_EQ(ver(q, "sha-1"), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

TEST(CapsHash, UnverifiableAnswersAndUnknownHashes) {
  EXPECT_EQ(ver(parse(kSimple), "md5"), std::nullopt) << "a hash we do not know";
  xml::Element twice = parse(kSimple);
  twice.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", "http://jabber.org/protocol/muc");
  EXPECT_EQ(verification_string(twice), std::nullopt) << "a feature twice";
  xml::Element identity_twice = parse(kSimple);
  identity_twice.add(*parse(kSimple).child("identity"));
  EXPECT_EQ(verification_string(identity_twice), std::nullopt) << "an identity twice";
  xml::Element two_forms = parse(kComplex);
  two_forms.add(*two_forms.child("x", "jabber:x:data"));
  EXPECT_EQ(verification_string(two_forms), std::nullopt) << "two forms with one FORM_TYPE";
  std::string two_types(kComplex);
  two_types.replace(two_types.find("</value></field>"), 0, "</value><value>urn:other");
  EXPECT_EQ(verification_string(parse(two_types)), std::nullopt) << "FORM_TYPE with two different values";
}

TEST(CapsHash, AFieldNamedTwiceInAFormIsUnverifiable) {
  // Found by the caps fuzz target: two fields with one var were sorted in no defined order,
  // so the same answer hashed differently as its fields were listed. XEP-0004 §3.2 wants a
  // var once per form: such an answer is ill-formed, whatever the order.
  std::string twice(kComplex);
  twice.replace(twice.find("<field var='os'>"), 0, "<field var='ip_version'><value>ipv2</value></field>");
  EXPECT_EQ(verification_string(parse(twice)), std::nullopt);
  std::string reversed(kComplex);
  reversed.replace(reversed.find("<field var='os'>"), 0, "<field var='ip_version'><value>ipv2</value></field>");
  const auto first = reversed.find("<field var='ip_version'>");
  const auto end = reversed.find("</field>", first) + 8;
  reversed.insert(reversed.find("</x>"), reversed.substr(first, end - first));
  reversed.erase(first, end - first);
  EXPECT_EQ(verification_string(parse(reversed)), std::nullopt);
}

TEST(CapsHash, FormsWithoutAHiddenFormTypeAreIgnored) {
  // §5.4 3.6: such a form is left out of the string, the rest is processed.
  const auto without_form = verification_string(parse(kSimple));
  std::string not_hidden(kComplex);
  not_hidden.replace(not_hidden.find(" type='hidden'"), 14, "");
  xml::Element q = parse(kSimple);
  q.add(*parse(not_hidden).child("x", "jabber:x:data"));
  EXPECT_EQ(verification_string(q), without_form) << "FORM_TYPE not hidden";
  std::string no_type(kComplex);
  const auto start = no_type.find("<field var='FORM_TYPE'");
  no_type.erase(start, no_type.find("</field>", start) + 8 - start);
  xml::Element r = parse(kSimple);
  r.add(*parse(no_type).child("x", "jabber:x:data"));
  EXPECT_EQ(verification_string(r), without_form) << "no FORM_TYPE";
}

class EntityCapsTest : public ::testing::Test {
 protected:
  router::Router router{{"example.org"}};
  std::vector<std::unique_ptr<FakeSession>> sessions;

  FakeSession& bind(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(*Jid::parse(full)));
    s.host = &router;
    router.bind(s);
    return s;
  }
  static xml::Element presence_with(std::string_view ver) {
    xml::Element p("presence", std::string(ns::kClient));
    p.add(xml::Element("c", std::string(ns::kCaps)))
        .set_attr("hash", "sha-1")
        .set_attr("node", "http://code.google.com/p/exodus")
        .set_attr("ver", ver);
    return p;
  }
  // The resource's presence, with caps of that ver, as the presence module hands it over.
  void announce(const Jid& full, std::string_view ver) {
    const xml::Element presence = presence_with(ver);
    router.set_presence(full, true, 0, &presence);
  }

  // The client answers the server's disco#info with query.
  void answer(FakeSession& s, const xml::Element& asked, const xml::Element& query) {
    xml::Element result("iq", std::string(ns::kClient));
    result.set_attr("type", "result").set_attr("id", asked.attr_or("id")).set_attr("to", "example.org");
    result.set_attr("from", s.jid().full());
    xml::Element q = query;
    q.set_attr("node", asked.first_element()->attr_or("node"));
    result.add(q);
    router.on_stanza(s, result);
  }
};

TEST_F(EntityCapsTest, AnUnknownVerIsAskedOnceAndAMatchingAnswerIsBelieved) {
  EntityCaps caps(router, nullptr);
  std::vector<std::string> known;
  const auto observer = caps.on_known([&](const Jid& full) { known.push_back(full.full()); });
  auto& desk = bind("bob@example.org/desk");
  auto& phone = bind("bob@example.org/phone");
  announce(desk.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  announce(phone.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  const auto asked = desk.take();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].attr_or("from"), "example.org");
  EXPECT_EQ(asked[0].first_element()->attr_or("node"), "http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0=");
  EXPECT_TRUE(phone.take().empty()) << "one question per ver, not per resource";
  EXPECT_EQ(caps.features(desk.jid()), nullptr);

  answer(desk, asked[0], parse(kSimple));
  ASSERT_NE(caps.features(phone.jid()), nullptr);
  EXPECT_TRUE(caps.features(desk.jid())->contains("http://jabber.org/protocol/muc"));
  EXPECT_EQ(known, (std::vector<std::string>{"bob@example.org/desk", "bob@example.org/phone"}));
  EXPECT_FALSE(caps.wants_notify(desk.jid(), "http://jabber.org/protocol/muc"));
  EXPECT_EQ(caps.cached(), 1u);
  EXPECT_EQ(caps.pending(), 0u);

  auto& laptop = bind("bob@example.org/laptop");
  announce(laptop.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  EXPECT_TRUE(laptop.take().empty()) << "a known ver is not asked again";
  EXPECT_NE(caps.features(laptop.jid()), nullptr);
  router.set_presence(laptop.jid(), false, 0, nullptr);
  EXPECT_EQ(caps.features(laptop.jid()), nullptr) << "unavailable: no interests";
}

TEST_F(EntityCapsTest, AnAnswerThatDoesNotHashToVerIsNotBelieved) {
  EntityCaps caps(router, nullptr);
  auto& desk = bind("bob@example.org/desk");
  announce(desk.jid(), "forged+notify=");
  const auto asked = desk.take();
  ASSERT_EQ(asked.size(), 1u);
  answer(desk, asked[0], parse(kSimple));
  EXPECT_EQ(caps.features(desk.jid()), nullptr);
  EXPECT_EQ(caps.cached(), 0u);
}

TEST_F(EntityCapsTest, AHashWeCannotCheckIsNotAsked) {
  EntityCaps caps(router, nullptr);
  auto& desk = bind("bob@example.org/desk");
  xml::Element p = presence_with("QgayPKawpkPSDYmwT/WM94uAlu0=");
  p.children().front().set_attr("hash", "md5");
  router.set_presence(desk.jid(), true, 0, &p);
  EXPECT_TRUE(desk.take().empty());
  EXPECT_EQ(caps.pending(), 0u);
}

TEST_F(EntityCapsTest, OnlyTheAskedResourceMayAnswer) {
  EntityCaps caps(router, nullptr);
  auto& desk = bind("bob@example.org/desk");
  auto& mallory = bind("mallory@example.org/x");
  announce(desk.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  const auto asked = desk.take();
  ASSERT_EQ(asked.size(), 1u);
  answer(mallory, asked[0], parse(kSimple));
  EXPECT_EQ(caps.cached(), 0u);
  EXPECT_EQ(caps.pending(), 1u);
}

TEST_F(EntityCapsTest, TheCacheSurvivesARestartInTheDatabase) {
  test::TempDir dir("caps");
  {
    store::Database db(dir.path() / "db.sqlite");
    EntityCaps caps(router, &db);
    auto& desk = bind("bob@example.org/desk");
    announce(desk.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
    answer(desk, desk.take().at(0), parse(kSimple));
    router.unbind(desk);
  }
  store::Database db(dir.path() / "db.sqlite");
  EntityCaps caps(router, &db);
  auto& phone = bind("bob@example.org/phone");
  announce(phone.jid(), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  EXPECT_TRUE(phone.take().empty()) << "known from the database";
  ASSERT_NE(caps.features(phone.jid()), nullptr);
  EXPECT_TRUE(caps.features(phone.jid())->contains("http://jabber.org/protocol/caps"));
}

TEST_F(EntityCapsTest, TheServerAdvertisesItsOwnCapsAndAnswersTheirNode) {
  test::TempDir dir("caps");
  store::Database db(dir.path() / "db.sqlite");
  boost::asio::io_context io;
  stream::StreamFeatures features;
  module::DiscoFeatures disco;
  module::Modules modules(module::Services{router, features, disco, nullptr, nullptr, &db, io.get_executor()},
                          {module::make<disco::Disco>(), module::make<EntityCaps>(), module::make<ping::Ping>()});
  EXPECT_EQ(features.serialized(stream::FeatureStage::PostAuth), "") << "not before every module has started";
  io.poll();
  const std::string ver = modules.find<EntityCaps>()->server_ver();
  const auto expected = caps::ver(disco.info_query(router::IqTarget::Server), "sha-1");
  ASSERT_TRUE(expected);
  EXPECT_EQ(ver, *expected);
  const std::string offered = features.serialized(stream::FeatureStage::PostAuth);
  EXPECT_NE(offered.find("ver='" + ver + "'"), std::string::npos) << offered;
  EXPECT_NE(disco.info_query(router::IqTarget::Server).child("feature"), nullptr);

  auto& desk = bind("bob@example.org/desk");
  xml::Element iq("iq", std::string(ns::kClient));
  iq.set_attr("type", "get").set_attr("id", "d1").set_attr("to", "example.org").set_attr("from", "bob@example.org/desk");
  iq.add(xml::Element("query", std::string(ns::kDiscoInfo))).set_attr("node", std::string(kServerNode) + "#" + ver);
  router.on_stanza(desk, iq);
  auto got = desk.take();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].attr_or("type"), "result");
  EXPECT_EQ(caps::ver(*got[0].child("query", ns::kDiscoInfo), "sha-1"), ver) << "the node's answer hashes to ver";
  iq.children().front().set_attr("node", "urn:other#x");
  router.on_stanza(desk, iq);
  got = desk.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attr_or("type"), "error") << "another node is unknown";
}

}  // namespace
}  // namespace jabberadmin::caps
