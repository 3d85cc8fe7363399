// Finding slapd, its schemas and modules on other distributions' layouts (a fake root),
// and the warning for listen URIs that reach beyond this machine.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "jabberadmin/error.hpp"
#include "jabberadmin/ldap_setup.hpp"
#include "jabberadmin/slapd_paths.hpp"

namespace jabberadmin::setup {
namespace {
namespace fs = std::filesystem;

class SlapdPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("JABBERADMIN_SLAPD");
    std::string templ = (fs::temp_directory_path() / "ja-paths-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
  }
  void TearDown() override { fs::remove_all(root_); }
  void file(const std::string& path, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
    const fs::path p = root_ / fs::path(path).relative_path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
    fs::permissions(p, perms);
  }
  fs::path root_;
};

TEST_F(SlapdPathsTest, FindsGentoosLayout) {
  // net-nds/openldap on Gentoo (Calculate): the real binary, schemas and modules.
  file("/usr/lib/openldap/slapd", fs::perms::owner_all);
  file("/etc/openldap/schema/core.schema");
  file("/usr/lib64/openldap/openldap/back_mdb.so");
  file("/usr/lib64/openldap/openldap/syncprov.so");
  const SlapdPaths found = find_slapd_paths(root_);
  EXPECT_EQ(found.slapd, root_ / "usr/lib/openldap/slapd");
  EXPECT_EQ(found.schema_dir, root_ / "etc/openldap/schema");
  EXPECT_EQ(found.module_dir, root_ / "usr/lib64/openldap/openldap");
  EXPECT_TRUE(found.mdb_module);
}

TEST_F(SlapdPathsTest, FindsDebiansLayoutAndBuiltInModules) {
  file("/usr/sbin/slapd", fs::perms::owner_all);
  file("/etc/ldap/schema/core.schema");
  SlapdPaths found = find_slapd_paths(root_);
  EXPECT_EQ(found.slapd, root_ / "usr/sbin/slapd");
  EXPECT_EQ(found.schema_dir, root_ / "etc/ldap/schema");
  EXPECT_TRUE(found.module_dir.empty()) << "no syncprov module anywhere: built in, nothing to load";
  file("/usr/lib/ldap/syncprov.la");
  found = find_slapd_paths(root_);
  EXPECT_EQ(found.module_dir, root_ / "usr/lib/ldap");
  EXPECT_FALSE(found.mdb_module);
}

TEST_F(SlapdPathsTest, NamesWhatIsMissingAndWhereItLooked) {
  file("/usr/sbin/slapd");  // not executable: not a slapd
  try {
    find_slapd_paths(root_);
    FAIL() << "no slapd";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/usr/lib/openldap/slapd"), std::string::npos) << e.what();
  }
  file("/usr/sbin/slapd", fs::perms::owner_all);
  try {
    find_slapd_paths(root_);
    FAIL() << "no schemas";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/etc/openldap/schema"), std::string::npos) << e.what();
  }
}

TEST(ExposureWarnings, OnlyForUrisBeyondLoopback) {
  EXPECT_EQ(exposure_warnings({"ldap://0.0.0.0:3890/"}).size(), 1u);
  EXPECT_EQ(exposure_warnings({"ldap:///"}).size(), 1u) << "no host: every address";
  EXPECT_EQ(exposure_warnings({"ldap://192.168.1.6:389/", "ldaps://[::]:636/"}).size(), 2u);
  EXPECT_TRUE(exposure_warnings({"ldap://127.0.0.1:3890/", "ldap://127.0.0.2/", "ldap://localhost:389/",
                                 "ldap://[::1]:3890/", "ldapi://%2Ftmp%2Fs"})
                  .empty());
}

}  // namespace
}  // namespace jabberadmin::setup
