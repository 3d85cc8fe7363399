// A private directory under /tmp for one test, removed with everything in it when the
// test ends, also when an assertion stopped it half-way. Header-only: the server tests use
// it without linking the slapd fixture.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace jabberadmin::test {

class TempDir {
 public:
  // /tmp/ja-<name>-XXXXXX, mode 0700.
  explicit TempDir(std::string_view name) {
    std::string templ = "/tmp/ja-" + std::string(name) + "-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + templ);
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

}  // namespace jabberadmin::test
