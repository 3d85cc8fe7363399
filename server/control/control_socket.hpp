// The control channel's socket (cl-jabberctl(8)): a UNIX stream socket, never a network
// one, created with mode 0660 (the umask set around bind(), so it never exists with a wider
// mode), owned by the service's user and group. Each connection sends one request line and
// gets one answer line, then is closed. Only root, the service's user and the members of its
// group are answered: the peer's uid is read from the kernel (SO_PEERCRED), whatever the
// file's mode lets through.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <filesystem>
#include <memory>

#include "control/commands.hpp"

namespace jabberadmin::control {

// Whether the process (running as its service's user) answers a peer with these
// credentials: root, its own uid, its own gid, or a user whose groups hold its gid.
bool permitted(uid_t uid, gid_t gid);

class ControlSocket {
 public:
  // Binds path and starts accepting. A socket file left there by a server that is gone
  // (nothing answers on it) is replaced; throws std::runtime_error naming the problem when
  // another server answers there, when path is another kind of file or cannot be bound.
  // commands must outlive this.
  ControlSocket(boost::asio::io_context& io, std::filesystem::path path, const Commands& commands);
  // Stops accepting and removes the socket file (if it is still this one).
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  struct Shared;  // what the accept loop and the connections share, past this object's end
  void accept();

  std::filesystem::path path_;
  std::shared_ptr<Shared> shared_;
  ino_t inode_ = 0;  // the bound file's, so that only our own file is removed
};

}  // namespace jabberadmin::control
