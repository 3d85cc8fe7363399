// Issue 19: the control channel's framing and its socket file (mode, stale sockets, a live
// one left alone), without the server: commands registered here.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "control/commands.hpp"
#include "control/control_socket.hpp"
#include "jabberadmin/control_client.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin::control {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

Commands echo_commands() {
  Commands c;
  c.add("echo", [](const json& r) { return json{{"said", text_argument(r, "text")}}; });
  c.add("missing", [](const json&) -> json { throw Refused("no such thing", "not-found"); });
  c.add("broken", [](const json&) -> json { throw std::runtime_error("it broke"); });
  return c;
}

TEST(ControlCommands, AnswersOneLineOfJson) {
  const Commands c = echo_commands();
  EXPECT_EQ(json::parse(c.answer(R"({"command":"echo","text":"hi\nthere"})")),
            (json{{"ok", true}, {"said", "hi\nthere"}}));
  const auto answer = c.answer(R"({"command":"echo","text":"a\nb"})");
  EXPECT_EQ(answer.find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(c.answer(R"({"command":"missing"})"))["code"], "not-found");
  EXPECT_EQ(json::parse(c.answer(R"({"command":"broken"})"))["error"], "it broke");
  EXPECT_EQ(json::parse(c.answer(R"({"command":"nope"})"))["code"], "usage");
  EXPECT_EQ(json::parse(c.answer("not json"))["code"], "usage");
  EXPECT_EQ(json::parse(c.answer(R"(["command"])"))["code"], "usage");
  EXPECT_EQ(json::parse(c.answer(R"({"command":"echo","text":5})"))["code"], "invalid");
}

TEST(ControlPeers, RootAndTheServiceItselfArePermitted) {
  EXPECT_TRUE(permitted(0, 0));
  EXPECT_TRUE(permitted(::geteuid(), 12345));
  EXPECT_TRUE(permitted(54321, ::getegid()));
  if (::geteuid() == 0) {
    EXPECT_FALSE(permitted(65534, 65534));  // nobody, in no group of root's
  }
}

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("control_socket_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = dir_ / "control";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  fs::path path_;
};

TEST_F(ControlSocketTest, ModeIs0660AndTheClientGetsItsAnswer) {
  boost::asio::io_context io;
  const Commands commands = echo_commands();
  auto socket = std::make_unique<ControlSocket>(io, path_, commands);
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  auto answer = std::async(std::launch::async, [&] { return exchange(path_, R"({"command":"echo","text":"x"})"); });
  while (answer.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) io.run_for(std::chrono::milliseconds(10));
  EXPECT_EQ(json::parse(answer.get())["said"], "x");
  socket.reset();
  EXPECT_FALSE(fs::exists(path_));  // removed with the channel
}

TEST_F(ControlSocketTest, AStaleSocketIsReplacedALiveOneIsNot) {
  {
    // A socket file nobody listens on any more: a server killed with SIGKILL.
    boost::asio::io_context io;
    boost::asio::local::stream_protocol::acceptor stale(io, boost::asio::local::stream_protocol::endpoint(path_.string()));
  }
  ASSERT_TRUE(fs::exists(path_));
  boost::asio::io_context io;
  const Commands commands = echo_commands();
  ControlSocket first(io, path_, commands);
  EXPECT_THROW(ControlSocket(io, path_, commands), std::runtime_error);
  EXPECT_TRUE(fs::exists(path_));  // the live one kept its file
  fs::remove(path_);
  { std::ofstream(path_.string()) << "x"; }
  try {
    ControlSocket refused(io, path_, commands);
    FAIL() << "a regular file was replaced";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a socket"), std::string::npos);
  }
}

TEST_F(ControlSocketTest, NothingListeningIsNotRunning) {
  EXPECT_THROW(exchange(path_, R"({"command":"status"})"), NotRunning);
  { std::ofstream(path_.string()) << "x"; }  // a file, but nobody listening
  EXPECT_THROW(exchange(path_, R"({"command":"status"})"), NotRunning);
}

}  // namespace
}  // namespace jabberadmin::control
