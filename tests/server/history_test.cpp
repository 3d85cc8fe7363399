// The history log: line format and escaping, the file layout and modes, day changes,
// reopening after logrotate, and which routed messages become history.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fakes.hpp"
#include "history/history_log.hpp"
#include "history/message_history.hpp"
#include "router/router.hpp"
#include "stream/namespaces.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::history {
namespace {
using test::FakeSession;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::chrono::system_clock::time_point kNoon =
    std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min + 56s + 789ms;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class HistoryDir : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"history"};  // first, so removed after all that uses it
  const fs::path root_ = tmp_.path();
  const fs::path dir_ = root_ / "history";
};

TEST(HistoryFormat, OneLinePerMessageWithNewlinesAndBackslashesEscaped) {
  EXPECT_EQ(escape_body("plain"), "plain");
  EXPECT_EQ(escape_body("two\nlines"), "two\\nlines");
  EXPECT_EQ(escape_body("c:\\path\\n"), "c:\\\\path\\\\n") << "a literal backslash-n stays told apart";
  EXPECT_EQ(escape_body("cr\r\nlf"), "cr\\r\\nlf");
  EXPECT_EQ(escape_body("tab\tand ünïcödé, привет"), "tab\tand ünïcödé, привет");
  EXPECT_EQ(format_line(kNoon, Direction::Sent, "bob@example.org", "Hello,\nBob"),
            "2024-05-01T12:34:56.789Z > bob@example.org Hello,\\nBob\n");
  EXPECT_EQ(format_line(kNoon, Direction::Received, "борис@example.org", ""),
            "2024-05-01T12:34:56.789Z < борис@example.org \n");
}

TEST(HistoryFormat, PathComponentsThatCouldEscapeAreRefused) {
  EXPECT_TRUE(safe_path_component("alice@example.org"));
  EXPECT_TRUE(safe_path_component("борис@пример.рф"));
  EXPECT_TRUE(safe_path_component("..@example.org"));
  EXPECT_FALSE(safe_path_component(""));
  EXPECT_FALSE(safe_path_component("."));
  EXPECT_FALSE(safe_path_component(".."));
  EXPECT_FALSE(safe_path_component("a/b"));
  EXPECT_FALSE(safe_path_component("../etc"));
  EXPECT_FALSE(safe_path_component(std::string("a\0b", 3)));
}

TEST_F(HistoryDir, LinesGoToPerUserDailyFilesWithTheDocumentedModes) {
  HistoryLog log(dir_);
  ASSERT_TRUE(log.append("alice@example.org", kNoon, Direction::Sent, "борис@example.org", "привет"));
  ASSERT_TRUE(log.append("alice@example.org", kNoon + 1s, Direction::Received, "борис@example.org", "hi\nthere"));
  ASSERT_TRUE(log.append("борис@example.org", kNoon, Direction::Received, "alice@example.org", "привет"));
  const fs::path alice = dir_ / "alice@example.org" / "2024-05-01.log";
  EXPECT_EQ(read(alice),
            "2024-05-01T12:34:56.789Z > борис@example.org привет\n"
            "2024-05-01T12:34:57.789Z < борис@example.org hi\\nthere\n");
  EXPECT_EQ(read(dir_ / "борис@example.org" / "2024-05-01.log"),
            "2024-05-01T12:34:56.789Z < alice@example.org привет\n");
  EXPECT_EQ(mode_of(alice), 0640u);
  EXPECT_EQ(mode_of(dir_ / "alice@example.org"), 0750u);
  EXPECT_EQ(mode_of(dir_), 0750u) << "made when missing";
}

TEST_F(HistoryDir, FileModeIs0640WhateverTheUmask) {
  const mode_t old = ::umask(077);
  HistoryLog log(dir_);
  const bool ok = log.append("alice@example.org", kNoon, Direction::Sent, "bob@example.org", "x");
  ::umask(old);
  ASSERT_TRUE(ok);
  EXPECT_EQ(mode_of(dir_ / "alice@example.org" / "2024-05-01.log"), 0640u);
}

TEST_F(HistoryDir, ANewDayStartsANewFile) {
  HistoryLog log(dir_);
  ASSERT_TRUE(log.append("alice@example.org", kNoon, Direction::Sent, "bob@example.org", "today"));
  ASSERT_TRUE(log.append("alice@example.org", kNoon + 12h, Direction::Sent, "bob@example.org", "tomorrow"));
  EXPECT_EQ(read(dir_ / "alice@example.org" / "2024-05-01.log"), "2024-05-01T12:34:56.789Z > bob@example.org today\n");
  EXPECT_EQ(read(dir_ / "alice@example.org" / "2024-05-02.log"),
            "2024-05-02T00:34:56.789Z > bob@example.org tomorrow\n");
  EXPECT_EQ(log.open_files(), 1u) << "yesterday's file is closed";
}

TEST_F(HistoryDir, AfterLogrotateMovedTheFileCloseAllMakesTheNextLineGoToANewOne) {
  HistoryLog log(dir_);
  const fs::path file = dir_ / "alice@example.org" / "2024-05-01.log";
  ASSERT_TRUE(log.append("alice@example.org", kNoon, Direction::Sent, "bob@example.org", "before"));
  fs::rename(file, file.string() + ".1");
  log.close_all();  // SIGHUP
  EXPECT_EQ(log.open_files(), 0u);
  ASSERT_TRUE(log.append("alice@example.org", kNoon + 1s, Direction::Sent, "bob@example.org", "after"));
  EXPECT_EQ(read(file.string() + ".1"), "2024-05-01T12:34:56.789Z > bob@example.org before\n");
  EXPECT_EQ(read(file), "2024-05-01T12:34:57.789Z > bob@example.org after\n");
}

TEST_F(HistoryDir, OpenFilesAreBounded) {
  HistoryLog log(dir_, 3);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(log.append("u" + std::to_string(i) + "@example.org", kNoon, Direction::Sent, "x@example.org", "m"));
  EXPECT_EQ(log.open_files(), 3u);
  ASSERT_TRUE(log.append("u0@example.org", kNoon, Direction::Sent, "x@example.org", "again"));
  EXPECT_EQ(read(dir_ / "u0@example.org" / "2024-05-01.log"),
            "2024-05-01T12:34:56.789Z > x@example.org m\n2024-05-01T12:34:56.789Z > x@example.org again\n");
}

TEST_F(HistoryDir, UnsafeNamesAndSymlinksAreRefused) {
  HistoryLog log(dir_);
  EXPECT_FALSE(log.append("..", kNoon, Direction::Sent, "x@example.org", "m"));
  EXPECT_FALSE(log.append("a/../../b", kNoon, Direction::Sent, "x@example.org", "m"));
  EXPECT_FALSE(fs::exists(root_ / "b"));
  fs::create_directories(dir_ / "eve@example.org");
  fs::create_symlink(root_ / "target", dir_ / "eve@example.org" / "2024-05-01.log");
  EXPECT_FALSE(log.append("eve@example.org", kNoon, Direction::Sent, "x@example.org", "m"));
  EXPECT_FALSE(fs::exists(root_ / "target")) << "never written through a symlink";
}

class MessageHistoryTest : public HistoryDir {
 protected:
  void SetUp() override {
    HistoryDir::SetUp();
    log = std::make_unique<HistoryLog>(dir_);
    history = std::make_unique<MessageHistory>(
        router, *log, [this](const Jid& bare) { return accounts.contains(bare.bare()); }, [] { return kNoon; });
  }
  FakeSession& bind(std::string_view full) {
    auto& s = *sessions.emplace_back(std::make_unique<FakeSession>(*Jid::parse(full)));
    s.host = &router;
    router.bind(s);
    router.set_presence(s.jid(), true, 0);
    return s;
  }
  void send(FakeSession& from, std::string_view to, std::string_view type, std::optional<std::string> body) {
    xml::Element m("message", std::string(ns::kClient));
    m.set_attr("from", from.jid().full());
    if (!to.empty()) m.set_attr("to", to);
    if (!type.empty()) m.set_attr("type", type);
    if (body) m.add(xml::Element("body", std::string(ns::kClient))).add_text(*body);
    router.on_stanza(from, m);
  }
  std::string file_of(std::string_view user) { return read(dir_ / user / "2024-05-01.log"); }

  router::Router router{{"example.org"}};
  std::set<std::string> accounts{"alice@example.org", "bob@example.org"};
  std::unique_ptr<HistoryLog> log;
  std::unique_ptr<MessageHistory> history;
  std::vector<std::unique_ptr<FakeSession>> sessions;
};

TEST_F(MessageHistoryTest, BothSidesGetALineForEachMessageDeliveredOrNot) {
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/b");
  send(alice, "Bob@example.org/b", "chat", "hi Bob");
  send(bob, "alice@example.org", "", "hello\nAlice");
  router.unbind(bob);
  send(alice, "bob@example.org", "chat", "gone? (bounced: no offline store here)");
  EXPECT_EQ(file_of("alice@example.org"),
            "2024-05-01T12:34:56.789Z > bob@example.org hi Bob\n"
            "2024-05-01T12:34:56.789Z < bob@example.org hello\\nAlice\n"
            "2024-05-01T12:34:56.789Z > bob@example.org gone? (bounced: no offline store here)\n");
  EXPECT_EQ(file_of("bob@example.org"),
            "2024-05-01T12:34:56.789Z < alice@example.org hi Bob\n"
            "2024-05-01T12:34:56.789Z > alice@example.org hello\\nAlice\n"
            "2024-05-01T12:34:56.789Z < alice@example.org gone? (bounced: no offline store here)\n");
}

TEST_F(MessageHistoryTest, WhatIsNotAMessageBetweenUsersIsNotHistory) {
  auto& alice = bind("alice@example.org/a");
  send(alice, "bob@example.org", "chat", std::nullopt);        // a chat state
  send(alice, "bob@example.org", "error", "an error");         // errors
  send(alice, "bob@example.org", "groupchat", "a room");       // no rooms here
  send(alice, "nobody@example.org", "chat", "to nobody");      // no such account
  send(alice, "example.org", "chat", "to the server");         // the server itself
  send(alice, "bob@elsewhere.example", "chat", "remote");      // not our host
  EXPECT_FALSE(fs::exists(dir_ / "alice@example.org"));
  EXPECT_FALSE(fs::exists(dir_ / "nobody@example.org"));
  EXPECT_FALSE(fs::exists(dir_ / "bob@example.org"));
  send(alice, "bob@example.org", "headline", "a headline is a message too");
  EXPECT_EQ(file_of("bob@example.org"), "2024-05-01T12:34:56.789Z < alice@example.org a headline is a message too\n");
}

// Issue 12 item 8: one client wrote 1 GB of history in 8 s. Each line here is 62 bytes, a
// message 124; 300 bytes a day hold two messages, the third is delivered but not logged.
class MessageHistoryQuotaTest : public MessageHistoryTest {
 protected:
  void SetUp() override {
    HistoryDir::SetUp();
    log = std::make_unique<HistoryLog>(dir_);
    history = std::make_unique<MessageHistory>(
        router, *log, [this](const Jid& bare) { return accounts.contains(bare.bare()); }, [this] { return day; },
        300);
  }
  std::chrono::system_clock::time_point day = kNoon;
};

TEST_F(MessageHistoryQuotaTest, HistoryBeyondTheSendersDailyQuotaIsDeliveredButNotLogged) {
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/b");
  for (int i = 0; i < 5; ++i) send(alice, "bob@example.org", "chat", "message number " + std::to_string(i));
  EXPECT_EQ(bob.take().size(), 5u) << "every message is delivered";
  const std::string alices = file_of("alice@example.org");
  EXPECT_NE(alices.find("message number 1"), std::string::npos);
  EXPECT_EQ(alices.find("message number 2"), std::string::npos) << alices;
  EXPECT_EQ(file_of("bob@example.org").find("message number 2"), std::string::npos);
  // Bob's own quota is his: his messages are still logged.
  send(bob, "alice@example.org", "chat", "bob writes");
  EXPECT_NE(file_of("bob@example.org").find("bob writes"), std::string::npos);
  // A new day, a new quota.
  day += std::chrono::hours(24);
  send(alice, "bob@example.org", "chat", "next day");
  EXPECT_NE(read(dir_ / "alice@example.org" / "2024-05-02.log").find("next day"), std::string::npos);
}

// Issue 12: the quota was counted in memory only, so a restart gave everyone a new one.
// What a sender wrote today is read back from its file at its first message; the lines it
// received there are the others' quotas, not its own.
TEST_F(MessageHistoryQuotaTest, TheQuotaSurvivesARestart) {
  {  // The server before the restart: its own router, log and history over the same files.
    router::Router before{{"example.org"}};
    HistoryLog old_log(dir_);
    MessageHistory old_history(
        before, old_log, [this](const Jid& bare) { return accounts.contains(bare.bare()); }, [this] { return day; },
        300);
    FakeSession a(*Jid::parse("alice@example.org/a")), b(*Jid::parse("bob@example.org/b"));
    for (FakeSession* s : {&a, &b}) {
      before.bind(*s);
      before.set_presence(s->jid(), true, 0);
    }
    const auto chat = [&](FakeSession& from, std::string_view to, std::string_view body) {
      xml::Element m("message", std::string(ns::kClient));
      m.set_attr("from", from.jid().full());
      m.set_attr("to", to);
      m.set_attr("type", "chat");
      m.add(xml::Element("body", std::string(ns::kClient))).add_text(body);
      before.on_stanza(from, m);
    };
    chat(b, "alice@example.org", "bob writes first");
    chat(b, "alice@example.org", "bob writes again");
    chat(a, "bob@example.org", "message number 0");
    before.unbind(a);
    before.unbind(b);
  }
  auto& alice = bind("alice@example.org/a");
  auto& bob = bind("bob@example.org/b");
  send(alice, "bob@example.org", "chat", "message number 1");
  send(alice, "bob@example.org", "chat", "message number 2");
  EXPECT_EQ(bob.take().size(), 2u) << "every message is delivered";
  const std::string alices = file_of("alice@example.org");
  EXPECT_NE(alices.find("message number 0"), std::string::npos) << alices;
  EXPECT_NE(alices.find("message number 1"), std::string::npos) << "bob's lines are not alice's quota\n" << alices;
  EXPECT_EQ(alices.find("message number 2"), std::string::npos) << alices;
  EXPECT_EQ(file_of("bob@example.org").find("message number 2"), std::string::npos);
}

TEST_F(HistoryDir, SentBytesAreReadBackFromTheDaysFile) {
  HistoryLog log(dir_);
  EXPECT_EQ(log.sent_bytes("alice@example.org", kNoon), 0u) << "no file yet";
  log.append("alice@example.org", kNoon, Direction::Sent, "bob@example.org", "hi");
  log.append("alice@example.org", kNoon, Direction::Received, "bob@example.org", "hello there");
  log.append("alice@example.org", kNoon, Direction::Sent, "борис@example.org", "two\nlines");
  // Each '>' line, and its '<' twin in the recipient's file (alice's JID for the peer's).
  const auto twin = [](std::string_view peer, std::string_view body) {
    return format_line(kNoon, Direction::Sent, peer, body).size() +
           format_line(kNoon, Direction::Received, "alice@example.org", body).size();
  };
  EXPECT_EQ(log.sent_bytes("alice@example.org", kNoon),
            twin("bob@example.org", "hi") + twin("борис@example.org", "two\nlines"));
  EXPECT_EQ(log.sent_bytes("alice@example.org", kNoon + 24h), 0u) << "another day, another file";
}

}  // namespace
}  // namespace jabberadmin::history
