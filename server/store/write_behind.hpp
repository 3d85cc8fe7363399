// Rows written behind: every commit syncs the database (synchronous=FULL), and a store that
// committed each row of a busy stream (archived messages, a room's history) on the io thread
// would cap the whole server at the disk's sync rate. Once started on an executor, rows are
// queued and written in order as one transaction within kWriteDelay of the first, at once
// when kWriteBatch wait, and whenever the owner asks (flush: before anything that reads or
// removes, so nobody misses a row accepted before), and at the end. A crash loses at most
// the last kWriteDelay of rows. Until started (tests, tools) each row is written at once.
//
// A batch that fails is written again row by row, each in its own transaction, so one bad
// row costs only itself; what still fails is dropped and reported, with how many rows and
// why, to the owner's on_failure (never thrown from the timer into the io loop).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::store {

inline constexpr std::chrono::milliseconds kWriteDelay{20};
inline constexpr std::size_t kWriteBatch = 512;

template <typename Row>
class WriteBehind {
 public:
  // Writes one row; called inside the batch's transaction.
  using Write = std::function<void(const Row&)>;
  // Rows that could not be written, and the last error.
  using Failure = std::function<void(std::size_t rows, const std::string& error)>;

  WriteBehind(Database& db, Write write, Failure on_failure)
      : db_(db), write_(std::move(write)), on_failure_(std::move(on_failure)) {}
  // Writes what still waits.
  ~WriteBehind() {
    *alive_ = false;
    flush();
  }
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // From now on rows wait for their batch, on executor's timer.
  void start(boost::asio::any_io_executor executor) { timer_.emplace(std::move(executor)); }

  // Not started: the row is written now, and what fails throws to the caller.
  void add(Row row) {
    if (!timer_) {
      Transaction transaction(db_);
      write_(row);
      transaction.commit();
      return;
    }
    pending_.push_back(std::move(row));
    if (pending_.size() >= kWriteBatch) return flush();
    if (pending_.size() > 1) return;  // the first one's timer is running
    timer_->expires_after(kWriteDelay);
    timer_->async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!ec && *alive) flush();
    });
  }

  // Writes the waiting rows now (never throws: failures go to on_failure).
  void flush() noexcept {
    if (pending_.empty()) return;
    std::vector<Row> rows;
    rows.swap(pending_);  // a write that adds (it should not) starts a new batch
    try {
      Transaction transaction(db_);
      for (const Row& row : rows) write_(row);
      transaction.commit();
      return;
    } catch (const std::exception&) {
      // Rolled back: each on its own below.
    }
    std::size_t failed = 0;
    std::string error;
    for (const Row& row : rows) {
      try {
        Transaction transaction(db_);
        write_(row);
        transaction.commit();
      } catch (const std::exception& e) {
        ++failed;
        error = e.what();
      }
    }
    if (failed > 0) report(failed, error);
  }

  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  void report(std::size_t rows, const std::string& error) noexcept {
    try {
      on_failure_(rows, error);
    } catch (...) {
      // The report itself failed (no memory): nothing more to do.
    }
  }

  Database& db_;
  Write write_;
  Failure on_failure_;
  std::optional<boost::asio::steady_timer> timer_;  // set by start
  std::vector<Row> pending_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // the timer's guard
};

}  // namespace jabberadmin::store
