// XEP-0191 blocklist matching: the four JID forms of §5 and the items a client may send.
#include <gtest/gtest.h>

#include "blocking/blocklist.hpp"

namespace jabberadmin::blocking {
namespace {

Blocklist list(std::initializer_list<const char*> items) {
  Blocklist l;
  for (const char* item : items) l.add(*normalize_item(item));
  return l;
}

TEST(BlocklistTest, AFullJidBlocksOnlyThatResource) {
  const Blocklist l = list({"spam@example.org/bot"});
  EXPECT_TRUE(l.blocks("spam@example.org/bot"));
  EXPECT_FALSE(l.blocks("spam@example.org/desk"));
  EXPECT_FALSE(l.blocks("spam@example.org"));
  EXPECT_FALSE(l.blocks("example.org"));
}

TEST(BlocklistTest, ABareJidBlocksEveryResource) {
  const Blocklist l = list({"spam@example.org"});
  EXPECT_TRUE(l.blocks("spam@example.org"));
  EXPECT_TRUE(l.blocks("spam@example.org/any"));
  EXPECT_FALSE(l.blocks("ham@example.org/any"));
  EXPECT_FALSE(l.blocks("spam@example.net/any"));
  EXPECT_FALSE(l.blocks("example.org"));
}

TEST(BlocklistTest, ADomainBlocksItselfEveryoneThereAndItsResources) {
  const Blocklist l = list({"spam.example"});
  EXPECT_TRUE(l.blocks("spam.example"));
  EXPECT_TRUE(l.blocks("anyone@spam.example"));
  EXPECT_TRUE(l.blocks("anyone@spam.example/res"));
  EXPECT_TRUE(l.blocks("spam.example/res"));
  EXPECT_FALSE(l.blocks("anyone@example.org"));
  EXPECT_FALSE(l.blocks("sub.spam.example")) << "a subdomain is another domain";
  EXPECT_FALSE(l.blocks("spam.example@example.org")) << "a localpart that looks like the domain";
}

TEST(BlocklistTest, ADomainWithResourceBlocksOnlyThatJid) {
  const Blocklist l = list({"service.example/bot"});
  EXPECT_TRUE(l.blocks("service.example/bot"));
  EXPECT_FALSE(l.blocks("service.example"));
  EXPECT_FALSE(l.blocks("service.example/other"));
  EXPECT_FALSE(l.blocks("user@service.example/bot"));
}

TEST(BlocklistTest, ItemsAreNormalisedAsJids) {
  EXPECT_EQ(normalize_item("Spam@Example.ORG/Res"), "spam@example.org/Res");
  EXPECT_EQ(normalize_item("EXAMPLE.org"), "example.org");
  const Blocklist l = list({"Spam@EXAMPLE.org"});
  EXPECT_TRUE(l.blocks("spam@example.org/x"));
}

TEST(BlocklistTest, WhatIsNoJidIsRefused) {
  EXPECT_FALSE(normalize_item(""));
  EXPECT_FALSE(normalize_item("@example.org"));
  EXPECT_FALSE(normalize_item("a@"));
  EXPECT_FALSE(normalize_item("a b@example.org"));
  EXPECT_FALSE(normalize_item("user@example.org/"));
  EXPECT_FALSE(normalize_item(std::string(4000, 'a') + "@example.org"));
}

TEST(BlocklistTest, AddRemoveAndCovers) {
  Blocklist l;
  EXPECT_TRUE(l.add("a@example.org"));
  EXPECT_FALSE(l.add("a@example.org"));
  EXPECT_EQ(l.size(), 1u);
  EXPECT_TRUE(l.remove("a@example.org"));
  EXPECT_FALSE(l.remove("a@example.org"));
  EXPECT_TRUE(l.empty());
  EXPECT_FALSE(l.blocks("a@example.org"));
  EXPECT_TRUE(Blocklist::covers("example.org", "a@example.org"));
  EXPECT_TRUE(Blocklist::covers("a@example.org", "a@example.org"));
  EXPECT_FALSE(Blocklist::covers("a@example.org/r", "a@example.org"));
}

}  // namespace
}  // namespace jabberadmin::blocking
