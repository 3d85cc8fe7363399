// The TLS server context: TLS 1.2 and later only, forward-secret AEAD ciphers, no
// compression, no renegotiation; key and certificate from one PEM file.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

namespace jabberadmin::net {

// The application protocol a TLS context serves (ALPN, RFC 7301): client streams
// (XEP-0368), or the HTTPS listener's HTTP/1.1 (WebSocket, XEP-0156).
enum class Alpn { XmppClient, Http11 };

// The protocols' names on the wire.
inline constexpr std::string_view kAlpnXmppClient = "xmpp-client";
inline constexpr std::string_view kAlpnHttp11 = "http/1.1";
inline constexpr std::string_view kAlpnXmppServer = "xmpp-server";  // XEP-0368, server-to-server
std::string_view alpn_name(Alpn alpn);

// Where protocol's name starts in a client's ALPN list (RFC 7301 wire format: each name
// preceded by its length), or nothing when the list does not offer it or is malformed.
std::optional<std::size_t> find_alpn(std::string_view offered, std::string_view protocol);

// The context selects alpn when a client offers it (the HTTPS listener shares the
// certificate); a client whose ALPN list lacks it gets the fatal no_application_protocol
// alert (RFC 7301 §3.2), so a client that asked for another protocol (h2 on a shared port)
// never gets an XMPP stream it did not ask for; a client offering no ALPN at all is served
// as before. STARTTLS and direct TLS share it.
// Throws jabberadmin::Error(InvalidArgument) naming the file when it cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::filesystem::path& pem,
                                                             Alpn alpn = Alpn::XmppClient);
// Loads the key and certificate chain of `pem` (one file, key first or last) into the
// context and checks that they match. Throws jabberadmin::Error(InvalidArgument) naming the
// file. make_tls_context uses it; so does the server-to-server context (s2s/peer_tls).
void use_certificate(boost::asio::ssl::context& context, const std::filesystem::path& pem);
// The SHA-256 fingerprint of the context's certificate as "AB:CD:..." (what openssl x509
// -fingerprint -sha256 prints); empty when it has none.
std::string certificate_fingerprint(boost::asio::ssl::context& context);

}  // namespace jabberadmin::net
