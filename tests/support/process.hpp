// Running the real binaries from tests: argv without a shell, stdin fed, stdout/stderr kept.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace jabberadmin::test {

struct Result {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

// Runs program with args; input goes to its stdin; env entries are added to the environment.
Result run(const std::filesystem::path& program, const std::vector<std::string>& args, const std::string& input = {},
           const std::map<std::string, std::string>& env = {});

// A built tool by name ("cl-useradd"): JABBERADMIN_BIN_DIR/name.
std::filesystem::path tool(const std::string& name);

}  // namespace jabberadmin::test
