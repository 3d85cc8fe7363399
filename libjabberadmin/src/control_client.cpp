#include "jabberadmin/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jabberadmin/error.hpp"

namespace jabberadmin::control {
namespace {
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void failed(const std::filesystem::path& socket, const char* what) {
  throw Error(ErrorKind::Directory, translatable("control socket %s: %s: %s"),
              {socket.string(), what, std::strerror(errno)});
}

// Waits until fd is ready for events, at most until deadline; false when the time is up.
bool wait(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}
}  // namespace

std::string exchange(const std::filesystem::path& socket, std::string_view request, std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.size() >= sizeof address.sun_path)
    throw Error(ErrorKind::InvalidArgument, translatable("control socket path too long: %s"), {path});
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (fd.fd < 0) failed(socket, "socket");
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    // No socket file, or a file nobody listens on (a server that was killed): not running.
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR)
      throw NotRunning(ErrorKind::Directory, translatable("cl-jabberd is not running (nothing answers on %s)"), {path});
    failed(socket, "cannot connect");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line(request);
  line += '\n';
  std::size_t sent = 0;
  while (sent < line.size()) {
    if (!wait(fd.fd, POLLOUT, deadline)) {
      errno = ETIMEDOUT;
      failed(socket, "no answer in time");
    }
    const ssize_t n = ::send(fd.fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed(socket, "cannot send");
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[65536];
  while (answer.empty() || answer.back() != '\n') {
    if (!wait(fd.fd, POLLIN, deadline)) {
      errno = ETIMEDOUT;
      failed(socket, "no answer in time");
    }
    const ssize_t n = ::recv(fd.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed(socket, "cannot read the answer");
    if (n == 0) {
      errno = ECONNRESET;
      failed(socket, "the answer ended early");
    }
    answer.append(buffer, static_cast<std::size_t>(n));
    if (answer.size() > kMaxAnswer) {
      errno = EMSGSIZE;
      failed(socket, "the answer is too long");
    }
  }
  answer.pop_back();
  return answer;
}

}  // namespace jabberadmin::control
