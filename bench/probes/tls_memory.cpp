// tls_memory: what one idle TLS connection costs a server process, two ways.
//   asio   boost::asio::ssl::stream (what server/net uses): two 17 KiB buffers of its own
//          plus an OpenSSL BIO pair with two more, plus OpenSSL's record buffers.
//   raw    OpenSSL on the socket's fd (SSL_set_fd, non-blocking, driven by readiness as an
//          Asio socket's async_wait would be) with SSL_MODE_RELEASE_BUFFERS: the record
//          buffers are freed whenever the connection is idle.
// A forked child opens N loopback connections, completes TLS 1.3 and sends one small
// record on each; the parent accepts and keeps them, then reports VmRSS growth per
// connection. Loopback only, bounded (N <= 20000, 120 s alarm).
//
//   tls_memory asio|raw N CERT.pem
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>  // before Boost 1.74 asio, which uses std::exchange without it
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

void client(int port, int n) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  std::vector<SSL*> keep;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::_Exit(3);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) std::_Exit(4);
    const char hello[] = "<presence/>";
    SSL_write(ssl, hello, sizeof hello - 1);
    keep.push_back(ssl);
  }
  ::pause();  // the parent kills us after measuring
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: tls_memory asio|raw N CERT.pem\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int n = std::atoi(argv[2]);
  if ((mode != "asio" && mode != "raw") || n < 1 || n > 20000) return 2;
  ::alarm(120);
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);

  namespace asio = boost::asio;
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.use_certificate_chain_file(argv[3]);
  tls.use_private_key_file(argv[3], asio::ssl::context::pem);
  if (mode == "raw") SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  acceptor.listen(4096);
  const int port = acceptor.local_endpoint().port();

  // Warm up allocator and OpenSSL's lazy state with one connection first.
  const long before_fork = rss_kib();
  (void)before_fork;
  const pid_t child = ::fork();
  if (child == 0) {
    client(port, n);
    return 0;
  }

  std::vector<std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>>> streams;
  std::vector<SSL*> raws;
  std::vector<asio::ip::tcp::socket> sockets;
  long base = -1;
  char buf[256];
  for (int i = 0; i < n; ++i) {
    asio::ip::tcp::socket s = acceptor.accept();
    if (i == 1) base = rss_kib();  // after the first connection: libraries' one-off state is in
    if (mode == "asio") {
      auto st = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(s), tls);
      st->handshake(asio::ssl::stream_base::server);
      st->read_some(asio::buffer(buf));
      streams.push_back(std::move(st));
    } else {
      SSL* ssl = SSL_new(tls.native_handle());
      SSL_set_fd(ssl, s.native_handle());
      if (SSL_accept(ssl) != 1) return 5;
      if (SSL_read(ssl, buf, sizeof buf) <= 0) return 6;
      raws.push_back(ssl);
      sockets.push_back(std::move(s));
    }
  }
  const long after = rss_kib();
  std::printf("{\"mode\":\"%s\",\"connections\":%d,\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,\"kib_per_connection\":%.1f}\n",
              mode.c_str(), n, base, after, static_cast<double>(after - base) / (n - 1));
  std::fflush(stdout);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  std::_Exit(0);
}
