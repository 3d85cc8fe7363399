// The TLS server context: TLS 1.2 and later only, forward-secret AEAD ciphers, no
// compression, no renegotiation; key and certificate from one PEM file.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>

namespace jabberadmin::net {

// Throws jabberadmin::Error(InvalidArgument) naming the file when it cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::filesystem::path& pem);

}  // namespace jabberadmin::net
