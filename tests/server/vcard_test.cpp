// vCards from the directory: the vCard's fields (base64 is tests/unit/encoding_test), and the IQ
// handler's answers (own, another's, unknown, set refused).
#include <gtest/gtest.h>

#include <map>

#include "fakes.hpp"
#include "vcard/vcard.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::vcard {
namespace {
using test::FakeSession;

std::string error_condition(const xml::Element& e) {
  const xml::Element* error = e.child("error");
  if (error == nullptr || error->first_element() == nullptr) return {};
  return error->first_element()->name();
}

TEST(Vcard, FieldsComeFromTheDirectoryEntry) {
  User u;
  u.name = "boris";
  u.nickname = "Борис Петров";
  u.jid = "boris@example.org";
  u.photo = std::string("\xff\xd8\xff\xe0", 4);
  const xml::Element v = vcard_of(u, *Jid::parse("boris@example.org"));
  EXPECT_TRUE(v.is("vCard", "vcard-temp"));
  EXPECT_EQ(v.child("FN")->text(), "Борис Петров");
  EXPECT_EQ(v.child("NICKNAME")->text(), "Борис Петров");
  EXPECT_EQ(v.child("JABBERID")->text(), "boris@example.org");
  const xml::Element* photo = v.child("PHOTO", "vcard-temp");
  ASSERT_NE(photo, nullptr);
  EXPECT_EQ(photo->child("TYPE")->text(), "image/jpeg");
  EXPECT_EQ(photo->child("BINVAL")->text(), "/9j/4A==");

  User plain;
  plain.name = "anna";
  const xml::Element w = vcard_of(plain, *Jid::parse("anna@other.example"));
  EXPECT_EQ(w.child("FN")->text(), "anna");
  EXPECT_EQ(w.child("NICKNAME"), nullptr);
  EXPECT_EQ(w.child("PHOTO"), nullptr) << "no jpegPhoto, no PHOTO";
  EXPECT_EQ(w.child("JABBERID")->text(), "anna@other.example");
}

class VcardIqTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users["alice"] = User{.name = "alice", .nickname = "Alice", .jid = "alice@example.org"};
    users["bob"] = User{.name = "bob", .nickname = "Bob", .jid = "bob@example.org", .photo = "JPEG"};
    registration = router.handle_iq(router::IqTarget::Account, "vcard-temp", handler([this](const Jid& bare) -> const User* {
      const auto it = users.find(bare.local);
      return it == users.end() ? nullptr : &it->second;
    }));
    alice.host = &router;
    router.bind(alice);
  }
  xml::Element ask(std::string_view type, std::optional<std::string> to) {
    xml::Element iq("iq", std::string(ns::kClient));
    iq.set_attr("from", "alice@example.org/a");
    if (to) iq.set_attr("to", *to);
    iq.set_attr("type", type);
    iq.set_attr("id", "v1");
    iq.add(xml::Element("vCard", "vcard-temp"));
    router.on_stanza(alice, iq);
    EXPECT_EQ(alice.received.size(), 1u);
    return alice.received.empty() ? xml::Element{} : alice.take()[0];
  }

  router::Router router{{"example.org"}};
  util::Registration registration;
  std::map<std::string, User> users;
  FakeSession alice{*Jid::parse("alice@example.org/a")};
};

TEST_F(VcardIqTest, OwnVcardWithoutTo) {
  const xml::Element r = ask("get", std::nullopt);
  EXPECT_EQ(r.attr_or("type"), "result");
  EXPECT_EQ(r.attr_or("id"), "v1");
  ASSERT_NE(r.child("vCard", "vcard-temp"), nullptr);
  EXPECT_EQ(r.child("vCard")->child("FN")->text(), "Alice");
}

TEST_F(VcardIqTest, AnotherUsersVcardByBareJid) {
  const xml::Element r = ask("get", "bob@example.org");
  EXPECT_EQ(r.attr_or("type"), "result");
  EXPECT_EQ(r.attr_or("from"), "bob@example.org");
  EXPECT_EQ(r.child("vCard")->child("PHOTO")->child("BINVAL")->text(), "SlBFRw==");
}

TEST_F(VcardIqTest, UnknownUserIsItemNotFound) {
  const xml::Element r = ask("get", "nobody@example.org");
  EXPECT_EQ(r.attr_or("type"), "error");
  EXPECT_EQ(error_condition(r), "item-not-found");
}

TEST_F(VcardIqTest, SetIsNotAllowedWithAClearText) {
  for (const auto& to : {std::optional<std::string>{}, std::optional<std::string>{"bob@example.org"}}) {
    const xml::Element r = ask("set", to);
    EXPECT_EQ(r.attr_or("type"), "error");
    EXPECT_EQ(error_condition(r), "not-allowed");
    EXPECT_EQ(r.child("error")->child("text")->text(), "vCards come from the directory; ask your administrator");
    EXPECT_EQ(r.child("error")->attr_or("type"), "cancel");
  }
  EXPECT_EQ(users["alice"].nickname, "Alice");
}

}  // namespace
}  // namespace jabberadmin::vcard
