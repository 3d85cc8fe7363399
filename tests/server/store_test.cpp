// The SQLite database on a real file: kept statements, migrations, transactions, errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
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

// Each component brings its own numbered steps; the file records how far each got.
TEST_F(StoreTest, EachComponentsMigrationsRunOnceInOrder) {
  constexpr std::string_view kFirst[] = {"CREATE TABLE a(x INTEGER)", "INSERT INTO a VALUES (1)"};
  constexpr std::string_view kSecond[] = {"CREATE TABLE b(y INTEGER)"};
  {
    Database db(file());
    db.migrate("first", std::span(kFirst).first(1));
    db.migrate("second", kSecond);
    db.execute("INSERT INTO a VALUES (0)");
  }
  Database db(file());
  db.migrate("first", kFirst);   // only the step it has not had
  db.migrate("first", kFirst);   // nothing
  db.migrate("second", kSecond);
  auto rows = db.prepare("SELECT x FROM a ORDER BY x");
  std::vector<std::int64_t> xs;
  while (rows.step()) xs.push_back(rows.integer(0));
  EXPECT_EQ(xs, (std::vector<std::int64_t>{0, 1}));
  auto versions = db.prepare("SELECT component, version FROM schema_version ORDER BY component");
  std::vector<std::pair<std::string, std::int64_t>> recorded;
  while (versions.step()) recorded.emplace_back(versions.text(0), versions.integer(1));
  EXPECT_EQ(recorded, (std::vector<std::pair<std::string, std::int64_t>>{{"first", 2}, {"second", 1}}));
}

TEST_F(StoreTest, AFailingMigrationChangesNothingAndIsNamed) {
  constexpr std::string_view kSteps[] = {"CREATE TABLE a(x INTEGER)",
                                         "INSERT INTO a VALUES (7); INSERT INTO nowhere VALUES (1)"};
  Database db(file());
  try {
    db.migrate("feature", kSteps);
    FAIL() << "the second step cannot run";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("migration 2 of feature"), std::string::npos) << e.what();
  }
  auto count = db.prepare("SELECT count(*) FROM a");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.integer(0), 0) << "the failed step's insert was rolled back";
  auto version = db.prepare("SELECT version FROM schema_version WHERE component = 'feature'");
  ASSERT_TRUE(version.step());
  EXPECT_EQ(version.integer(0), 1);
}

TEST_F(StoreTest, ATransactionRollsBackUnlessCommitted) {
  Database db(file());
  db.execute("CREATE TABLE t(v INTEGER)");
  {
    Transaction transaction(db);
    db.execute("INSERT INTO t VALUES (1)");
  }
  try {
    Transaction transaction(db);
    db.execute("INSERT INTO t VALUES (2)");
    throw std::runtime_error("between the statements");
  } catch (const std::runtime_error&) {
  }
  {
    Transaction transaction(db);
    db.execute("INSERT INTO t VALUES (3)");
    transaction.commit();
  }
  auto rows = db.prepare("SELECT v FROM t");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.integer(0), 3);
  EXPECT_FALSE(rows.step());
}

// A batch (one commit, one disk sync) around work whose parts open their own transactions:
// the parts become savepoints, a part that fails undoes only itself, and nothing is on
// disk before the batch commits.
TEST_F(StoreTest, ATransactionInsideAnotherIsPartOfIt) {
  Database db(file());
  db.execute("CREATE TABLE t(v INTEGER)");
  Database reader(file());
  auto count = [&reader] {
    auto rows = reader.prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(rows.step());
    return rows.integer(0);
  };
  {
    Transaction batch(db);
    EXPECT_TRUE(db.in_transaction());
    {
      Transaction part(db);
      db.execute("INSERT INTO t VALUES (1)");
      part.commit();
    }
    try {
      Transaction part(db);
      db.execute("INSERT INTO t VALUES (2)");
      throw std::runtime_error("a part fails");
    } catch (const std::runtime_error&) {
    }
    {
      Transaction part(db);
      db.execute("INSERT INTO t VALUES (3)");
      part.commit();
    }
    EXPECT_EQ(count(), 0) << "nothing is visible before the batch commits";
    batch.commit();
  }
  EXPECT_FALSE(db.in_transaction());
  auto rows = db.prepare("SELECT v FROM t ORDER BY v");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.integer(0), 1);
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.integer(0), 3);
  EXPECT_FALSE(rows.step());
  {
    Transaction batch(db);
    Transaction part(db);
    db.execute("INSERT INTO t VALUES (4)");
    part.commit();
  }  // the batch rolls back: so does its committed part
  EXPECT_EQ(count(), 2);
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
