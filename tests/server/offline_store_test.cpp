// The offline store on a real database file: order, limits, durability across reopen.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "offline/offline_store.hpp"
#include "store/database.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::offline {
namespace {

namespace fs = std::filesystem;
using store::Database;

class OfflineStoreTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"offline-store"};  // first, so removed after all that uses it
  fs::path file() const { return dir_ / "data" / "jabberadmin.sqlite"; }
  const fs::path dir_ = tmp_.path();
};

TEST_F(OfflineStoreTest, OfflineMessagesComeBackInOrderAndSurviveReopen) {
  const auto t0 = std::chrono::system_clock::now();
  {
    Database db(file());
    OfflineStore offline(db, 10);
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(offline.store("anna@host", "<message>" + std::to_string(i) + "</message>", t0 + std::chrono::seconds(i)));
    ASSERT_TRUE(offline.store("boris@host", "<message>b</message>", t0));
  }
  EXPECT_EQ(fs::status(file()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  Database db(file());
  OfflineStore offline(db, 10);
  const auto pending = offline.pending("anna@host");
  ASSERT_EQ(pending.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pending[i].stanza, "<message>" + std::to_string(i) + "</message>");
    EXPECT_EQ(std::chrono::round<std::chrono::seconds>(pending[i].stamp - t0).count(), i) << "microsecond stamps";
  }
  offline.remove_through("anna@host", pending[1].id);
  ASSERT_EQ(offline.pending("anna@host").size(), 1u);
  EXPECT_EQ(offline.pending("anna@host")[0].stanza, "<message>2</message>");
  EXPECT_EQ(offline.count("boris@host"), 1u) << "other users untouched";
}

TEST_F(OfflineStoreTest, OfflineLimitRefusesInsteadOfDropping) {
  Database db(file());
  OfflineStore offline(db, 2);
  const auto now = std::chrono::system_clock::now();
  EXPECT_TRUE(offline.store("u@h", "<message>1</message>", now));
  EXPECT_TRUE(offline.store("u@h", "<message>2</message>", now));
  EXPECT_FALSE(offline.store("u@h", "<message>3</message>", now));
  EXPECT_EQ(offline.count("u@h"), 2u);
  EXPECT_EQ(offline.pending("u@h").back().stanza, "<message>2</message>");
}

TEST_F(OfflineStoreTest, HostileTextIsStoredLiterally) {
  Database db(file());
  OfflineStore offline(db, 5);
  const std::string evil = "<message>'); DROP TABLE offline; -- \xD0\x96</message>";
  ASSERT_TRUE(offline.store("x'@h", evil, std::chrono::system_clock::now()));
  EXPECT_EQ(offline.pending("x'@h").at(0).stanza, evil);
}

}  // namespace
}  // namespace jabberadmin::offline
