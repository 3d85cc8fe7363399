// Users for a test's directory::DirectoryCache, put as the directory would report them.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "directory/directory_cache.hpp"

namespace jabberadmin::test {

inline User make_user(const std::string& name, std::optional<std::string> group, std::string nickname = {}) {
  User u;
  u.name = name;
  u.nickname = std::move(nickname);
  u.jid = name + "@example.org";
  u.group = std::move(group);
  return u;
}

// The user as it is now, changed by edit, put back (observers hear of it once the cache is
// ready); returns the user as it was.
inline User change_user(directory::DirectoryCache& cache, const std::string& name,
                        const std::function<void(User&)>& edit) {
  const User was = *cache.find(name);
  User now = was;
  edit(now);
  cache.put(now);
  return was;
}

}  // namespace jabberadmin::test
