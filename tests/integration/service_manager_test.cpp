// cl-setup's hand-over to systemd, against a fake machine: a "booted" marker folder, a unit
// folder and a systemctl that records its arguments and exits as told.
#include "jabberadmin/service_manager.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "jabberadmin/error.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::test {
namespace {
namespace fs = std::filesystem;

struct FakeSystemd {
  TempDir dir{"systemd"};
  service::Systemd systemd;
  FakeSystemd() {
    fs::create_directories(dir.path() / "run");
    fs::create_directories(dir.path() / "units");
    const fs::path script = dir.path() / "systemctl";
    std::ofstream(script) << "#!/bin/sh\necho \"$*\" >> '" << (dir.path() / "calls").string() << "'\n"
                          << "exit $(cat '" << (dir.path() / "status").string() << "' 2>/dev/null || echo 0)\n";
    fs::permissions(script, fs::perms::owner_all);
    systemd.booted_marker = dir.path() / "run";
    systemd.systemctl = script;
    systemd.unit_dirs = {dir.path() / "units"};
  }
  void install(const std::string& unit) { std::ofstream(dir.path() / "units" / unit) << "[Service]\n"; }
  void exit_with(int status) { std::ofstream(dir.path() / "status") << status << "\n"; }
  std::string calls() const {
    std::ifstream in(dir.path() / "calls");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST(ServiceManager, HandsOverOnlyWhenSystemdRunsTheMachineAndTheUnitIsInstalled) {
  FakeSystemd fake;
  EXPECT_FALSE(service::manages(service::kServerUnit, fake.systemd));  // no unit file
  fake.install(service::kServerUnit);
  EXPECT_TRUE(service::manages(service::kServerUnit, fake.systemd));
  EXPECT_FALSE(service::manages(service::kSlapdUnit, fake.systemd));
  fs::remove(fake.systemd.booted_marker);  // OpenRC, a container, a chroot
  EXPECT_FALSE(service::manages(service::kServerUnit, fake.systemd));
}

TEST(ServiceManager, EnablesAndStartsOrRestarts) {
  FakeSystemd fake;
  const std::string step = service::enable_and_start(service::kSlapdUnit, false, fake.systemd);
  EXPECT_EQ(fake.calls(), "enable --now jabberadmin-slapd.service\n");
  EXPECT_NE(step.find("enabled and started jabberadmin-slapd.service"), std::string::npos) << step;
  service::enable_and_start(service::kServerUnit, true, fake.systemd);
  EXPECT_EQ(fake.calls(),
            "enable --now jabberadmin-slapd.service\nenable cl-jabberd.service\nrestart cl-jabberd.service\n");
  service::stop(service::kSlapdUnit, fake.systemd);
  EXPECT_TRUE(fake.calls().ends_with("stop jabberadmin-slapd.service\n"));
}

TEST(ServiceManager, AFailingSystemctlIsAnErrorNamingTheCommand) {
  FakeSystemd fake;
  fake.exit_with(1);
  try {
    service::enable_and_start(service::kServerUnit, false, fake.systemd);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Directory);
    EXPECT_NE(std::string(e.what()).find("'systemctl enable --now cl-jabberd.service' failed"), std::string::npos)
        << e.what();
  }
}

TEST(ServiceManager, WarnsAboutDebiansOwnSlapdOnlyWhenItIsActive) {
  FakeSystemd fake;
  const auto warning = service::foreign_slapd_warning(fake.systemd);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("systemctl disable --now slapd"), std::string::npos);
  EXPECT_EQ(fake.calls(), "is-active --quiet slapd.service\n");
  fake.exit_with(3);  // systemctl is-active: inactive
  EXPECT_FALSE(service::foreign_slapd_warning(fake.systemd).has_value());
  fake.exit_with(0);
  fs::remove(fake.systemd.booted_marker);
  EXPECT_FALSE(service::foreign_slapd_warning(fake.systemd).has_value());
}

}  // namespace
}  // namespace jabberadmin::test
