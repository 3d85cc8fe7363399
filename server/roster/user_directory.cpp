#include "roster/user_directory.hpp"

#include "directory/directory_cache.hpp"

namespace jabberadmin::roster {

const User* CacheDirectory::find(std::string_view name) const { return cache_.find(name); }

std::size_t CacheDirectory::size() const { return cache_.size(); }

std::uint64_t CacheDirectory::generation() const { return cache_.generation(); }

std::vector<const User*> CacheDirectory::members(std::string_view group) const { return cache_.members(group); }

}  // namespace jabberadmin::roster
