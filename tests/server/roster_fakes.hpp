// A directory in a map for the roster tests: users by name, groups from departmentNumber.
#pragma once

#include <map>
#include <string>

#include "roster/user_directory.hpp"

namespace jabberadmin::test {

class FakeDirectory : public roster::UserDirectory {
 public:
  // Tests that change users in place afterwards report it (RosterDirectory::changed), which
  // is what makes the shared roster compute anew; add() counts as a change by itself.
  std::map<std::string, User, std::less<>> users;
  std::uint64_t changes = 0;
  std::size_t size() const override { return users.size(); }

  User& add(const std::string& name, std::optional<std::string> group, std::string nickname = {}) {
    User u;
    u.name = name;
    u.nickname = nickname;
    u.jid = name + "@example.org";
    u.group = std::move(group);
    ++changes;
    return users[name] = u;
  }
  const User* find(std::string_view name) const override {
    const auto it = users.find(name);
    return it == users.end() ? nullptr : &it->second;
  }
  std::uint64_t generation() const override { return changes; }
  std::vector<const User*> members(std::string_view group) const override {
    std::vector<const User*> out;
    for (const auto& [name, u] : users)
      if (u.group && *u.group == group) out.push_back(&u);
    return out;
  }
};

}  // namespace jabberadmin::test
