// The little the roster needs from the directory: a user by name and the members of a
// group. The server answers from directory::DirectoryCache (CacheDirectory); tests from a map.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "jabberadmin/account.hpp"

namespace jabberadmin::directory { class DirectoryCache; }

namespace jabberadmin::roster {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  virtual const User* find(std::string_view name) const = 0;
  virtual std::vector<const User*> members(std::string_view group) const = 0;  // sorted by name
  virtual std::size_t size() const = 0;  // how many users
  // Changes whenever a user does: what is computed from the directory is kept while it
  // stays the same.
  virtual std::uint64_t generation() const = 0;
};

class CacheDirectory final : public UserDirectory {
 public:
  explicit CacheDirectory(const directory::DirectoryCache& cache) : cache_(cache) {}
  const User* find(std::string_view name) const override;
  std::vector<const User*> members(std::string_view group) const override;
  std::size_t size() const override;
  std::uint64_t generation() const override;

 private:
  const directory::DirectoryCache& cache_;
};

}  // namespace jabberadmin::roster
