// TLS certificates for the Jabber service, with OpenSSL's library: a self-signed one made
// for the served hosts, or a check that an administrator's PEM file fits them.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace jabberadmin::certificate {

// Writes a new EC P-256 key and a self-signed certificate for hosts (the first one is the
// subject's CN; every host is a DNS subjectAltName, in its IDNA ASCII form) into one PEM
// file, key first, mode 0600, replacing the file atomically. Valid for `valid_for`.
// Throws Error(Directory) when it cannot.
void make_self_signed(const std::filesystem::path& pem, const std::vector<std::string>& hosts,
                      std::chrono::days valid_for = std::chrono::days(3650));

// What a PEM file holds, as far as a server needs to know.
struct Check {
  bool has_key = false;
  bool has_certificate = false;
  bool key_matches = false;
  bool self_signed = false;
  bool expired = false;
  std::vector<std::string> uncovered_hosts;  // hosts the certificate's names do not cover
};
// Reads a PEM file (key and certificate, in any order); Error(InvalidArgument) when it cannot
// be read at all.
Check inspect(const std::filesystem::path& pem, const std::vector<std::string>& hosts);
// inspect() plus a clear Error(InvalidArgument) for the first problem: no key, no certificate,
// a key of another certificate, expired, or a host not covered.
void require_usable(const std::filesystem::path& pem, const std::vector<std::string>& hosts);

// The ASCII (A-label) form of a normalised host name, as certificates carry it.
std::string ascii_host(const std::string& host);

}  // namespace jabberadmin::certificate
