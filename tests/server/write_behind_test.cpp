// store::WriteBehind on a real SQLite file: rows written in order, as one transaction within
// the delay or at a full batch, on demand and at the end; a row that cannot be written is
// reported and costs only itself, and nothing throws into the io loop.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/write_behind.hpp"
#include "temp_dir.hpp"

namespace jabberadmin::store {
namespace {

constexpr std::string_view kMigrations[] = {
    "CREATE TABLE rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL UNIQUE);"};

class WriteBehindTest : public ::testing::Test {
 protected:
  test::TempDir tmp{"write-behind"};
  Database db{tmp / "rows.sqlite"};
  boost::asio::io_context io;  // before the writers: a timer must not outlive its io_context
  std::vector<std::pair<std::size_t, std::string>> failures;

  void SetUp() override { db.migrate("test", kMigrations); }

  WriteBehind<std::string> writer() {
    return WriteBehind<std::string>(
        db, [this](const std::string& text) { db.prepare("INSERT INTO rows(text) VALUES (?)").bind(1, text).step(); },
        [this](std::size_t rows, const std::string& error) { failures.emplace_back(rows, error); });
  }
  std::vector<std::string> rows() {
    std::vector<std::string> out;
    auto q = db.prepare("SELECT text FROM rows ORDER BY seq");
    while (q.step()) out.push_back(q.text(0));
    return out;
  }
  void wait_for_the_timer() {
    io.restart();  // run_for stopped it when it ran out of work
    io.run_for(kWriteDelay * 5);
  }
};

TEST_F(WriteBehindTest, NotStartedEachRowIsWrittenAtOnceAndAFailureThrows) {
  auto w = writer();
  w.add("a");
  EXPECT_EQ(rows(), std::vector<std::string>{"a"});
  EXPECT_THROW(w.add("a"), std::exception) << "UNIQUE: the caller hears of it";
  EXPECT_TRUE(failures.empty());
}

TEST_F(WriteBehindTest, StartedRowsWaitForTheTimerAndAreWrittenInOrder) {
  auto w = writer();
  w.start(io.get_executor());
  for (const char* text : {"c", "a", "b"}) w.add(text);
  EXPECT_TRUE(rows().empty()) << "nothing written before the delay";
  EXPECT_EQ(w.pending(), 3u);
  wait_for_the_timer();
  EXPECT_EQ(rows(), (std::vector<std::string>{"c", "a", "b"})) << "in the order added";
  EXPECT_EQ(w.pending(), 0u);
  w.add("d");
  wait_for_the_timer();
  EXPECT_EQ(rows().size(), 4u) << "the timer is armed again by the next row";
}

TEST_F(WriteBehindTest, AFullBatchIsWrittenAtOnce) {
  auto w = writer();
  w.start(io.get_executor());
  for (std::size_t i = 0; i + 1 < kWriteBatch; ++i) w.add("r" + std::to_string(i));
  EXPECT_TRUE(rows().empty());
  w.add("last");
  EXPECT_EQ(rows().size(), kWriteBatch) << "without the timer";
  EXPECT_EQ(rows().back(), "last");
}

TEST_F(WriteBehindTest, FlushWritesNowAndTheEndWritesWhatWaits) {
  {
    auto w = writer();
    w.start(io.get_executor());
    w.add("read me");
    w.flush();
    EXPECT_EQ(rows(), std::vector<std::string>{"read me"}) << "a reader flushes first and sees it";
    w.add("at the end");
  }
  EXPECT_EQ(rows(), (std::vector<std::string>{"read me", "at the end"}));
  wait_for_the_timer();  // the gone writer's timer fires harmlessly
  EXPECT_TRUE(failures.empty());
}

TEST_F(WriteBehindTest, AFailingRowIsReportedAndTheRestOfItsBatchIsWritten) {
  auto w = writer();
  w.start(io.get_executor());
  w.add("x");
  w.add("x");  // UNIQUE: fails the batch's transaction
  w.add("y");
  EXPECT_NO_THROW(wait_for_the_timer()) << "nothing thrown into the io loop";
  EXPECT_EQ(rows(), (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, 1u);
  EXPECT_NE(failures[0].second.find("UNIQUE"), std::string::npos) << failures[0].second;
  EXPECT_EQ(w.pending(), 0u) << "reported, not retried for ever";
}

TEST_F(WriteBehindTest, ABrokenDatabaseReportsEveryRowItCouldNotWrite) {
  auto w = writer();
  w.start(io.get_executor());
  w.add("p");
  w.add("q");
  db.execute("DROP TABLE rows");
  w.flush();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].first, 2u);
  EXPECT_NE(failures[0].second.find("rows"), std::string::npos) << failures[0].second;
}

}  // namespace
}  // namespace jabberadmin::store
