// Channel-binding data from a real TLS connection (net::Connection against an Asio/OpenSSL
// client over loopback): tls-exporter (RFC 9266) is what the client exports with the same
// label, TLS 1.3 only; tls-server-end-point (RFC 5929 §4.1) is the SHA-256 of the server's
// certificate (signed with SHA-256 here).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "jabberadmin/encoding.hpp"
#include "net/connection.hpp"
#include "net/tls.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::net {
namespace {
namespace asio = boost::asio;

struct Events : TransportEvents {
  std::optional<bool> ready;
  void on_data(std::string_view) override {}
  void on_tls_ready(bool ok) override { ready = ok; }
  void on_closed() override {}
};

class ChannelBindingTest : public ::testing::Test {
 protected:
  test::TempDir tmp{"channel-binding"};
  asio::io_context io;
  std::filesystem::path pem = tmp / "server.pem";

  void SetUp() override {
    const std::string key = (tmp / "k.pem").string(), crt = (tmp / "c.pem").string();
    const std::string command = "openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 1 -subj /CN=localhost -keyout " +
                                key + " -out " + crt + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ofstream out(pem);
    out << std::ifstream(key).rdbuf() << std::ifstream(crt).rdbuf();
  }
  std::string certificate_der() {
    std::ifstream in(tmp / "c.pem");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    unsigned char* der = nullptr;
    const int size = i2d_X509(x, &der);
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(bio);
    return out;
  }

  // Connects a client limited to max_version; returns the server side's connection and
  // what the client exports under RFC 9266's label.
  std::pair<std::shared_ptr<Connection>, std::string> connect(int max_version) {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ssl::context client_context(asio::ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(client_context.native_handle(), max_version);
    asio::ssl::stream<asio::ip::tcp::socket> client(io, client_context);
    client.next_layer().connect(acceptor.local_endpoint());
    auto connection = std::make_shared<Connection>(acceptor.accept(), make_tls_context(pem), ConnectionOptions{});
    auto events = std::make_shared<Events>();
    connection->start(events, true);
    bool client_ready = false;
    client.async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& ec) {
      EXPECT_FALSE(ec) << ec.message();
      client_ready = true;
    });
    for (int i = 0; i < 500 && !(client_ready && events->ready); ++i) io.run_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(events->ready.value_or(false));
    std::string exported(32, '\0');
    static constexpr std::string_view kLabel = "EXPORTER-Channel-Binding";
    SSL_export_keying_material(client.native_handle(), reinterpret_cast<unsigned char*>(exported.data()), 32,
                               kLabel.data(), kLabel.size(), nullptr, 0, 0);
    connections_.push_back(connection);
    return {connection, exported};
  }
  std::vector<std::shared_ptr<Connection>> connections_;
};

TEST_F(ChannelBindingTest, Tls13GivesBothTypes) {
  const auto [connection, exported] = connect(TLS1_3_VERSION);
  ASSERT_TRUE(connection->secure());
  EXPECT_EQ(connection->channel_binding("tls-exporter"), exported);
  EXPECT_EQ(connection->channel_binding("tls-server-end-point"), encoding::sha256(certificate_der()));
  EXPECT_EQ(connection->channel_binding("tls-unique"), std::nullopt);
  EXPECT_NE(connection->channel_binding("tls-exporter"), connect(TLS1_3_VERSION).first->channel_binding("tls-exporter"))
      << "every connection its own";
}

TEST_F(ChannelBindingTest, Tls12HasNoExporterBinding) {
  const auto [connection, exported] = connect(TLS1_2_VERSION);
  ASSERT_TRUE(connection->secure());
  EXPECT_EQ(connection->channel_binding("tls-exporter"), std::nullopt);
  EXPECT_EQ(connection->channel_binding("tls-server-end-point"), encoding::sha256(certificate_der()));
}

}  // namespace
}  // namespace jabberadmin::net
