// A real, private slapd for a test: made by the same code as `cl-setup ldap`, in a fresh
// temp dir, on an ldapi socket and a free loopback port; stopped and removed afterwards,
// also when the test fails.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/settings.hpp"
#include "process.hpp"

namespace jabberadmin::test {

// A free TCP port on 127.0.0.1 (bound and released: good enough on a test machine).
int free_port();

class Slapd {
 public:
  Slapd();
  ~Slapd();
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& config() const { return config_; }
  std::filesystem::path state_dir() const { return dir_ / "ldap"; }
  Settings settings() const { return Settings::load(config_); }
  Directory directory() const { return Directory::open(settings()); }
  const std::string& tcp_uri() const { return tcp_uri_; }
  int port() const { return port_; }
  std::string base_dn() const { return "dc=test"; }
  std::string manager_password() const;

  // Runs a cl-* tool with --config set through JABBERADMIN_CONFIG.
  Result tool(const std::string& name, const std::vector<std::string>& args, const std::string& input = {}) const;
  // ldapsearch as the manager over TCP: the LDIF it prints (-LLL, wrapped lines unwrapped).
  std::string ldapsearch(const std::string& filter, const std::vector<std::string>& attributes = {}) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path config_;
  std::string tcp_uri_;
  int port_ = 0;
};

// A test with its own slapd.
class SlapdTest : public ::testing::Test {
 protected:
  void SetUp() override { slapd_ = std::make_unique<Slapd>(); }
  void TearDown() override { slapd_.reset(); }
  Slapd& slapd() { return *slapd_; }

 private:
  std::unique_ptr<Slapd> slapd_;
};

}  // namespace jabberadmin::test
