// The SQLite stores on a real database file: order, limits, durability across reopen,
// kept statements.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <vector>

#include "store/database.hpp"
#include "store/offline_store.hpp"
#include "jabberadmin/error.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  jabberadmin::test::TempDir tmp_{"store"};  // first, so removed after all that uses it
  fs::path file() const { return dir_ / "data" / "jabberadmin.sqlite"; }
  const fs::path dir_ = tmp_.path();
};

TEST_F(StoreTest, OfflineMessagesComeBackInOrderAndSurviveReopen) {
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

TEST_F(StoreTest, OfflineLimitRefusesInsteadOfDropping) {
  Database db(file());
  OfflineStore offline(db, 2);
  const auto now = std::chrono::system_clock::now();
  EXPECT_TRUE(offline.store("u@h", "<message>1</message>", now));
  EXPECT_TRUE(offline.store("u@h", "<message>2</message>", now));
  EXPECT_FALSE(offline.store("u@h", "<message>3</message>", now));
  EXPECT_EQ(offline.count("u@h"), 2u);
  EXPECT_EQ(offline.pending("u@h").back().stanza, "<message>2</message>");
}

TEST_F(StoreTest, HostileTextIsStoredLiterally) {
  Database db(file());
  OfflineStore offline(db, 5);
  const std::string evil = "<message>'); DROP TABLE offline; -- \xD0\x96</message>";
  ASSERT_TRUE(offline.store("x'@h", evil, std::chrono::system_clock::now()));
  EXPECT_EQ(offline.pending("x'@h").at(0).stanza, evil);
}

// Statements are compiled once and kept: each use must start with no bindings and no rows
// left from the last, and the same query inside its own loop must not disturb the outer one.
TEST_F(StoreTest, KeptStatementsStartCleanAndNestSafely) {
  Database db(file());
  db.execute("CREATE TABLE t(k TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1), ('a', 2), ('b', 3);");
  constexpr std::string_view kQuery = "SELECT v FROM t WHERE k = ? ORDER BY v";
  {
    auto first = db.prepare(kQuery);
    first.bind(1, "a");
    ASSERT_TRUE(first.step());
    EXPECT_EQ(first.integer(0), 1);  // left half-read on purpose
  }
  {
    auto unbound = db.prepare(kQuery);  // no binding: k = NULL matches nothing
    EXPECT_FALSE(unbound.step());
  }
  auto outer = db.prepare(kQuery);
  outer.bind(1, "a");
  std::vector<std::int64_t> seen;
  while (outer.step()) {
    seen.push_back(outer.integer(0));
    auto inner = db.prepare(kQuery);
    inner.bind(1, "b");
    ASSERT_TRUE(inner.step());
    seen.push_back(inner.integer(0));
    EXPECT_FALSE(inner.step());
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 3, 2, 3}));
}

TEST_F(StoreTest, UnwritablePlaceIsNamed) {
  try {
    Database db("/proc/nope/db.sqlite");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/nope/db.sqlite"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace jabberadmin::store
