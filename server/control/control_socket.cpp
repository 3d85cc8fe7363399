#include "control/control_socket.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <stdexcept>
#include <vector>

#include "util/log.hpp"

namespace jabberadmin::control {
namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

namespace {
constexpr std::size_t kMaxRequest = 64 * 1024;  // a request is a command and a few names
constexpr std::size_t kMaxConnections = 16;     // at once; more wait in the backlog's place
constexpr auto kRequestTime = std::chrono::seconds(10);

// Whether a UNIX socket at path has a listener (a running server) behind it.
bool answers(const std::filesystem::path& path) {
  asio::io_context io;
  Socket probe(io);
  boost::system::error_code ec;
  probe.connect(asio::local::stream_protocol::endpoint(path.string()), ec);
  return !ec;
}

bool in_group(uid_t uid, gid_t gid) {
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return false;
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) return false;
  }
  groups.resize(static_cast<std::size_t>(count));
  for (gid_t g : groups)
    if (g == gid) return true;
  return false;
}
}  // namespace

bool permitted(uid_t uid, gid_t gid) {
  if (uid == 0 || uid == ::geteuid() || gid == ::getegid()) return true;
  return in_group(uid, ::getegid());
}

struct ControlSocket::Shared {
  Shared(asio::io_context& io, const Commands& commands) : acceptor(io), commands(commands) {}
  asio::local::stream_protocol::acceptor acceptor;
  const Commands& commands;
  std::size_t connections = 0;
  bool open = true;
};

namespace {
// One connection: the peer's credentials, one request line within kRequestTime, one answer.
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(Socket s, std::shared_ptr<void> keep) : socket(std::move(s)), timer(socket.get_executor()), keep(keep) {}
  Socket socket;
  asio::steady_timer timer;
  std::shared_ptr<void> keep;
  std::string buffer;
  std::string answer;
};
}  // namespace

ControlSocket::ControlSocket(asio::io_context& io, std::filesystem::path path, const Commands& commands)
    : path_(std::move(path)), shared_(std::make_shared<Shared>(io, commands)) {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw std::runtime_error(path_.string() + " exists and is not a socket");
    if (answers(path_)) throw std::runtime_error("another server answers on " + path_.string());
    ::unlink(path_.c_str());  // left by a server that is gone
  }
  const asio::local::stream_protocol::endpoint endpoint(path_.string());
  auto& acceptor = shared_->acceptor;
  acceptor.open(endpoint.protocol());
  // The mode is right from the first moment the file exists: no window for a chmod race.
  const mode_t saved = ::umask(0117);
  boost::system::error_code ec;
  acceptor.bind(endpoint, ec);
  ::umask(saved);
  if (ec) throw std::runtime_error("cannot bind " + path_.string() + ": " + ec.message());
  if (::lstat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + path_.string() + ": " + ec.message());
  accept();
}

ControlSocket::~ControlSocket() {
  shared_->open = false;
  boost::system::error_code ec;
  shared_->acceptor.close(ec);
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_) ::unlink(path_.c_str());
}

void ControlSocket::accept() {
  shared_->acceptor.async_accept([shared = shared_, this](const boost::system::error_code& ec, Socket socket) {
    if (!shared->open) return;
    if (!ec) {
      if (shared->connections >= kMaxConnections) {
        log::warning("control: too many connections at once; one refused");
      } else {
        ++shared->connections;
        auto exchange = std::make_shared<Exchange>(
            std::move(socket), std::shared_ptr<void>(nullptr, [shared](void*) { --shared->connections; }));
        exchange->timer.expires_after(kRequestTime);
        exchange->timer.async_wait([exchange](const boost::system::error_code& e) {
          if (!e) {
            boost::system::error_code ignored;
            exchange->socket.close(ignored);
          }
        });
        asio::async_read_until(
            exchange->socket, asio::dynamic_buffer(exchange->buffer, kMaxRequest), '\n',
            [exchange, shared](const boost::system::error_code& e, std::size_t length) {
              if (e) return (void)exchange->timer.cancel();
              ucred peer{};
              socklen_t size = sizeof peer;
              const std::string request = exchange->buffer.substr(0, length - 1);
              if (::getsockopt(exchange->socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
                  !permitted(peer.uid, peer.gid)) {
                log::warning("control: refused a request from uid " + std::to_string(peer.uid));
                exchange->answer = nlohmann::json{{"ok", false},
                                                  {"error", "not permitted: uid " + std::to_string(peer.uid) +
                                                                " is not root, the service's user or in its group"},
                                                  {"code", "forbidden"}}
                                       .dump();
              } else {
                log::info("control: " + request.substr(0, 200) + " from uid " + std::to_string(peer.uid));
                exchange->answer = shared->commands.answer(request);
              }
              exchange->answer += '\n';
              asio::async_write(exchange->socket, asio::buffer(exchange->answer),
                                [exchange](const boost::system::error_code&, std::size_t) {
                                  exchange->timer.cancel();
                                  boost::system::error_code ignored;
                                  exchange->socket.shutdown(Socket::shutdown_both, ignored);
                                  exchange->socket.close(ignored);
                                });
            });
      }
    }
    if (shared->open) accept();
  });
}

}  // namespace jabberadmin::control
