// The streamed request body (http/sink_body.hpp) and the rate limit's arithmetic
// (http/pacer.hpp): a body many times the parser's buffer reaches its sink whole, in
// pieces no larger than what one put offers, and the parser holds none of it.
#include "http/listener.hpp"
#include "http/pacer.hpp"
#include "http/sink_body.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

using namespace jabberadmin::http;
namespace bhttp = boost::beast::http;

namespace {

struct CountingSink : BodySink {
  std::uint64_t bytes = 0;
  std::size_t largest = 0;
  std::uint64_t sum = 0;  // of the bytes' values, so that reordering or loss shows
  bool refuse_after = false;
  bool write(const char* data, std::size_t size) override {
    if (refuse_after && bytes > 0) return false;
    bytes += size;
    largest = std::max(largest, size);
    for (std::size_t i = 0; i < size; ++i) sum += static_cast<unsigned char>(data[i]);
    return true;
  }
  Response finish() override { return text_response(11, bhttp::status::created, "ok"); }
};

// The header parsed into the listener's string-body parser, then switched as the listener does.
SinkParser switched(const std::string& header) {
  RequestParser first;
  first.body_limit(std::numeric_limits<std::uint64_t>::max());  // the listener's, the route checks the length
  boost::system::error_code ec;
  first.eager(false);
  const std::size_t used = first.put(boost::asio::buffer(header), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, header.size());
  EXPECT_TRUE(first.is_header_done());
  return SinkParser(std::move(first));
}

}  // namespace

TEST(SinkBody, ALargeBodyReachesTheSinkInBoundedPieces) {
  const std::uint64_t length = 64u << 20;  // 64 MiB, never in memory at once
  SinkParser parser = switched("PUT /upload/x/y HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n");
  auto owned = std::make_unique<CountingSink>();
  CountingSink* sink = owned.get();
  parser.get().body() = std::move(owned);
  std::string piece(64 * 1024, '\0');
  for (std::size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>(i * 7);
  std::uint64_t expected_sum = 0;
  for (const char c : piece) expected_sum += static_cast<unsigned char>(c);
  boost::system::error_code ec;
  std::uint64_t offered = 0;
  while (!parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(piece), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(used, piece.size());
    offered += used;
  }
  EXPECT_EQ(offered, length);
  EXPECT_EQ(sink->bytes, length);
  EXPECT_EQ(sink->sum, expected_sum * (length / piece.size()));
  EXPECT_LE(sink->largest, piece.size());
  EXPECT_EQ(parser.get().body()->finish().result(), bhttp::status::created);
}

TEST(SinkBody, ASinkThatRefusesFailsTheParse) {
  SinkParser parser = switched("PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n");
  auto sink = std::make_unique<CountingSink>();
  sink->refuse_after = true;
  parser.get().body() = std::move(sink);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(std::string("abcd")), ec);
  EXPECT_FALSE(ec);
  parser.put(boost::asio::buffer(std::string("efgh")), ec);
  EXPECT_EQ(ec, boost::system::errc::io_error);
}

TEST(Pacer, WaitsUntilTheBytesReadAreWithinTheRate) {
  const Pacer::Clock::time_point start{};
  const Pacer unlimited(0, start);
  EXPECT_EQ(unlimited.delay(1u << 30, start), Pacer::Clock::duration::zero());
  EXPECT_EQ(unlimited.minimum(1u << 30), Pacer::Clock::duration::zero());
  const Pacer pacer(100'000, start);  // 100 kB/s
  EXPECT_EQ(pacer.delay(Pacer::kBurst, start), Pacer::Clock::duration::zero());
  // 100 kB past the burst: due a second after the start.
  const auto wait = pacer.delay(Pacer::kBurst + 100'000, start);
  EXPECT_NEAR(std::chrono::duration<double>(wait).count(), 1.0, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(pacer.delay(Pacer::kBurst + 100'000, start + std::chrono::milliseconds(400))).count(),
              0.6, 1e-6);
  EXPECT_EQ(pacer.delay(Pacer::kBurst + 100'000, start + std::chrono::seconds(2)), Pacer::Clock::duration::zero());
  EXPECT_NEAR(std::chrono::duration<double>(pacer.minimum(250'000)).count(), 2.5, 1e-6);
}
