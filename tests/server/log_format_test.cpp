// Issue 19: log lines for people, journald, fail2ban and log shippers; no client-chosen
// text can break a line or pose as another field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/log_fields.hpp"

namespace jabberadmin::log {
namespace {
namespace fs = std::filesystem;

class LogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("log_format_test_" + std::to_string(::getpid()) + ".log");
    fs::remove(path_);
    set_file(path_);
  }
  void TearDown() override {
    set_format(Format::Plain);
    set_file({});
    fs::remove(path_);
  }
  std::string written() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path path_;
};

TEST(LogValue, EscapesWhatCouldEndTheLineOrPoseAsAField) {
  EXPECT_EQ(value_text("alice"), "alice");
  EXPECT_EQ(value_text("a\nb"), "a\\x0ab");
  EXPECT_EQ(value_text("x ip=192.0.2.9"), "x\\x20ip\\x3d192.0.2.9");
  EXPECT_EQ(value_text("\"q\"\\"), "\\x22q\\x22\\x5c");
  EXPECT_EQ(value_text("\x7f\x1b"), "\\x7f\\x1b");
  EXPECT_EQ(value_text("jos\xc3\xa9"), "jos\xc3\xa9");  // UTF-8 kept
  EXPECT_EQ(value_text("\xff"), "\\xff");               // not UTF-8: escaped
  EXPECT_EQ(value_text(""), "");
}

TEST(LogFormat, ParsesItsNames) {
  Format f = Format::Plain;
  EXPECT_TRUE(parse_format("json", f));
  EXPECT_EQ(f, Format::Json);
  EXPECT_TRUE(parse_format("plain", f));
  EXPECT_EQ(f, Format::Plain);
  EXPECT_FALSE(parse_format("xml", f));
}

TEST_F(LogFile, PlainLinesStayOneLineAndCarryTheirFields) {
  write(Level::Warning, "authentication failed",
        {{"ip", "192.0.2.1"}, {"mechanism", "PLAIN"}, {"reason", "not-authorized"}, {"user", "eve\nforged line"}});
  write(Level::Info, "a message\nwith a newline");
  const std::string text = written();
  EXPECT_NE(text.find("Z <warning> authentication failed: ip=192.0.2.1 mechanism=PLAIN reason=not-authorized "
                      "user=eve\\x0aforged\\x20line\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("<info> a message\\x0awith a newline\n"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST_F(LogFile, JsonIsOneObjectALine) {
  set_format(Format::Json);
  write(Level::Warning, "authentication failed", {{"ip", "192.0.2.1"}, {"user", "eve\n\"x\""}});
  write(Level::Error, "plain words");
  std::istringstream lines(written());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["level"], "warning");
  EXPECT_EQ(first["message"], "authentication failed");
  EXPECT_EQ(first["fields"]["ip"], "192.0.2.1");
  EXPECT_EQ(first["fields"]["user"], "eve\n\"x\"");
  EXPECT_EQ(first["time"].get<std::string>().size(), 20u);
  ASSERT_TRUE(std::getline(lines, line));
  const auto second = nlohmann::json::parse(line);
  EXPECT_EQ(second["level"], "error");
  EXPECT_TRUE(second["fields"].empty());
  EXPECT_FALSE(std::getline(lines, line));
}

}  // namespace
}  // namespace jabberadmin::log
