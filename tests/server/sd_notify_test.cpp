// sd_notify over $NOTIFY_SOCKET: what a Type=notify unit receives, and nothing without it.
#include "util/sd_notify.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "temp_dir.hpp"

namespace {
using namespace jabberadmin;

struct Receiver {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  explicit Receiver(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (path[0] == '@') a.sun_path[0] = '\0';
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), size), 0) << std::strerror(errno);
    timeval timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~Receiver() { ::close(fd); }
  std::string next() {
    char buffer[512];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n < 0 ? std::string("(nothing)") : std::string(buffer, static_cast<std::size_t>(n));
  }
};

struct NotifySocket {
  explicit NotifySocket(const std::string& path) { ::setenv("NOTIFY_SOCKET", path.c_str(), 1); }
  ~NotifySocket() { ::unsetenv("NOTIFY_SOCKET"); }
};

TEST(SdNotify, SendsEachStateAsOneDatagramToThePathSocket) {
  test::TempDir dir("sdnotify");
  const std::string path = (dir.path() / "notify").string();
  Receiver receiver(path);
  NotifySocket env(path);
  EXPECT_TRUE(sd::notify_ready());
  EXPECT_EQ(receiver.next(), "READY=1");
  EXPECT_TRUE(sd::notify_reloading());
  const std::string reloading = receiver.next();
  EXPECT_TRUE(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << reloading;
  EXPECT_GT(std::stoull(reloading.substr(reloading.find('=', 12) + 1)), 0u);
  EXPECT_TRUE(sd::notify_stopping());
  EXPECT_EQ(receiver.next(), "STOPPING=1");
}

TEST(SdNotify, ReachesAnAbstractSocket) {
  const std::string name = "@jabberadmin-sdnotify-test-" + std::to_string(::getpid());
  Receiver receiver(name);
  NotifySocket env(name);
  EXPECT_TRUE(sd::notify_ready());
  EXPECT_EQ(receiver.next(), "READY=1");
}

TEST(SdNotify, DoesNothingOutsideSystemd) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(sd::notify_ready());
  NotifySocket relative("not/absolute");
  EXPECT_FALSE(sd::notify_ready());
}

TEST(SdNotify, FailsWhenNobodyListens) {
  test::TempDir dir("sdnotify");
  NotifySocket env((dir.path() / "gone").string());
  EXPECT_FALSE(sd::notify_ready());
}

}  // namespace
