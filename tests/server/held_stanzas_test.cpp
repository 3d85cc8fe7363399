// XEP-0352: what an inactive client waits for, squashed, and what goes at once, in order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "csi/held_stanzas.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::csi {
namespace {

xml::Element parse(std::string_view text) { return *xml::parse_serialized(text, "jabber:client"); }

class HeldStanzasTest : public ::testing::Test {
 protected:
  HeldStanzas held{5};
  std::vector<std::string> written;
  // Offers a stanza; its text is what is "written" (so tests read the order directly).
  void offer(const std::string& text) {
    held.offer(parse(text), text, [this](std::string b) { written.push_back(std::move(b)); });
  }
  void flush() {
    held.flush([this](std::string b) { written.push_back(std::move(b)); });
  }
};

const std::string kAway = "<presence from='a@example.org/x'><show>away</show></presence>";
const std::string kDnd = "<presence from='a@example.org/x'><show>dnd</show></presence>";
const std::string kOther = "<presence from='b@example.org/y'/>";
const std::string kGone = "<presence from='a@example.org/x' type='unavailable'/>";
const std::string kComposing =
    "<message from='a@example.org/x' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>";
const std::string kPaused =
    "<message from='a@example.org/x' type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>";
const std::string kBody =
    "<message from='a@example.org/x' type='chat'><body>hi</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>";

TEST(SquashKeyTest, PresenceUpdatesAndChatStatesWait) {
  EXPECT_EQ(squash_key(parse(kAway)), "presence a@example.org/x");
  EXPECT_EQ(squash_key(parse(kGone)), "presence a@example.org/x");
  EXPECT_EQ(squash_key(parse(kComposing)), "chat state a@example.org/x");
}

TEST(SquashKeyTest, WhatTheClientMustSeeGoesNow) {
  EXPECT_FALSE(squash_key(parse(kBody)));
  EXPECT_FALSE(squash_key(parse("<message from='a@example.org/x'><subject>s</subject></message>")));
  EXPECT_FALSE(squash_key(parse("<presence from='a@example.org' type='subscribe'/>")));
  EXPECT_FALSE(squash_key(parse("<presence from='a@example.org/x' type='error'/>")));
  EXPECT_FALSE(squash_key(parse("<iq from='example.org' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>")));
  EXPECT_FALSE(squash_key(parse("<message from='a@example.org/x' type='error'/>")));
  EXPECT_FALSE(squash_key(parse("<message from='a@example.org/x'><received xmlns='urn:xmpp:receipts' id='1'/></message>")));
  EXPECT_FALSE(squash_key(parse("<message from='a@example.org/x'/>"))) << "nothing to squash by";
  // A chat state beside anything else is that something else.
  EXPECT_FALSE(squash_key(parse("<message from='a@example.org/x'><composing xmlns='http://jabber.org/protocol/chatstates'/>"
                                "<x xmlns='jabber:x:conference' jid='room@muc.example.org'/></message>")));
}

TEST(SquashKeyTest, CarbonsOfABodyGoNowOfAChatStateWait) {
  const std::string wrap = "<message from='me@example.org' to='me@example.org/phone'><sent xmlns='urn:xmpp:carbons:2'>"
                           "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='me@example.org/pc' "
                           "to='a@example.org' type='chat'>";
  const std::string end = "</message></forwarded></sent></message>";
  EXPECT_FALSE(squash_key(parse(wrap + "<body>hi</body>" + end)));
  EXPECT_EQ(squash_key(parse(wrap + "<composing xmlns='http://jabber.org/protocol/chatstates'/>" + end)),
            "carbon me@example.org/pc a@example.org");
}

TEST_F(HeldStanzasTest, PresenceIsHeldAndSquashedToTheLatestPerSender) {
  offer(kAway);
  offer(kOther);
  offer(kDnd);
  EXPECT_TRUE(written.empty());
  EXPECT_EQ(held.size(), 2u);
  flush();
  EXPECT_EQ(written, (std::vector<std::string>{kOther, kDnd}));
  EXPECT_EQ(held.size(), 0u);
}

TEST_F(HeldStanzasTest, UnavailableReplacesAvailable) {
  offer(kAway);
  offer(kGone);
  flush();
  EXPECT_EQ(written, std::vector<std::string>{kGone});
}

TEST_F(HeldStanzasTest, ChatStatesAreSquashedApartFromPresence) {
  offer(kComposing);
  offer(kAway);
  offer(kPaused);
  flush();
  EXPECT_EQ(written, (std::vector<std::string>{kAway, kPaused}));
}

TEST_F(HeldStanzasTest, AnUrgentStanzaGoesAtOnceAfterWhatItsSenderSaidBefore) {
  offer(kAway);
  offer(kOther);
  offer(kComposing);
  offer(kBody);
  EXPECT_EQ(written, (std::vector<std::string>{kAway, kComposing, kBody}));
  EXPECT_EQ(held.size(), 1u) << "another sender's presence keeps waiting";
  offer("<presence from='b@example.org' type='subscribe'/>");
  EXPECT_EQ(written.at(3), kOther) << "any resource of the sender: its bare JID";
  offer(kAway);
  flush();
  EXPECT_EQ(written.back(), kAway) << "held again after the flush";
}

TEST_F(HeldStanzasTest, BeyondTheLimitEverythingGoes) {
  for (int i = 0; i < 5; ++i) offer("<presence from='u" + std::to_string(i) + "@example.org/r'/>");
  EXPECT_TRUE(written.empty());
  offer("<presence from='u5@example.org/r'/>");
  EXPECT_EQ(written.size(), 6u);
  EXPECT_EQ(held.size(), 0u);
}

}  // namespace
}  // namespace jabberadmin::csi
