// The metrics registry and its Prometheus text exposition (format 0.0.4): names checked,
// HELP and label values escaped, histograms cumulative with +Inf, collectors run per scrape.
#include "metrics/exposition.hpp"
#include "metrics/registry.hpp"
#include "metrics/server_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace jabberadmin::metrics {
namespace {

TEST(MetricsRegistry, RendersHelpTypeAndSamplesInDeclarationOrder) {
  Registry r;
  auto& logins = r.counter("x_logins_total", "Logins.", {"mechanism"});
  auto& sessions = r.gauge("x_sessions", "Sessions.");
  logins.with({"PLAIN"}).inc();
  logins.with({"PLAIN"}).inc(2);
  logins.with({"SCRAM-SHA-1"}).inc();
  sessions.get().set(4);
  EXPECT_EQ(r.render(),
            "# HELP x_logins_total Logins.\n"
            "# TYPE x_logins_total counter\n"
            "x_logins_total{mechanism=\"PLAIN\"} 3\n"
            "x_logins_total{mechanism=\"SCRAM-SHA-1\"} 1\n"
            "# HELP x_sessions Sessions.\n"
            "# TYPE x_sessions gauge\n"
            "x_sessions 4\n");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"x_logins_total", "x_sessions"}));
}

TEST(MetricsRegistry, EscapesHelpAndLabelValues) {
  Registry r;
  auto& c = r.counter("x_total", "a \\ b\nc \"quoted\"", {"host"});
  c.with({"a\"b\\c\nd"}).inc();
  const std::string text = r.render();
  EXPECT_NE(text.find("# HELP x_total a \\\\ b\\nc \"quoted\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{host=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("x_seconds", "Latency.", {0.1, 1}, {"op"});
  auto& reads = h.with({"read"});
  reads.observe(0.05);
  reads.observe(0.1);  // on the bound: "less than or equal" counts it in le="0.1"
  reads.observe(0.5);
  reads.observe(7);
  EXPECT_EQ(r.render(),
            "# HELP x_seconds Latency.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{op=\"read\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{op=\"read\",le=\"1\"} 3\n"
            "x_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{op=\"read\"} 7.65\n"
            "x_seconds_count{op=\"read\"} 4\n");
}

TEST(MetricsRegistry, RefusesNamesAgainstPrometheusConventions) {
  Registry r;
  EXPECT_THROW(r.counter("x_logins", "no _total"), std::logic_error);
  EXPECT_THROW(r.gauge("9x", "starts with a digit"), std::logic_error);
  EXPECT_THROW(r.gauge("x-y", "a dash"), std::logic_error);
  EXPECT_THROW(r.gauge("x", "reserved label", {"__name"}), std::logic_error);
  EXPECT_THROW(r.histogram("h", "le is the histogram's", {1}, {"le"}), std::logic_error);
  EXPECT_THROW(r.gauge("x", "a label twice", {"a", "a"}), std::logic_error);
  EXPECT_THROW(r.histogram("h", "bounds not ascending", {1, 1}), std::logic_error);
  EXPECT_THROW(r.histogram("h", "infinite bound", {std::numeric_limits<double>::infinity()}), std::logic_error);
  (void)r.gauge("x_ok", "fine");
  EXPECT_THROW(r.gauge("x_ok", "twice"), std::logic_error);
  EXPECT_THROW(r.gauge("y", "labels", {"a"}).with({}), std::logic_error) << "one value per label name";
  EXPECT_EQ(r.names(), (std::vector<std::string>{"x_ok", "y"})) << "nothing refused was declared";
}

TEST(MetricsRegistry, FormatsValuesToReadBackTheSame) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1e-7), "1e-07");
  EXPECT_EQ(format_value(0.0005), "0.0005") << "a bucket bound as Prometheus' own clients write it";
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(format_value(0.1 + 0.2)), 0.1 + 0.2);
}

TEST(MetricsRegistry, CollectorsRunBeforeEachScrapeUntilTheirRegistrationGoes) {
  Registry r;
  auto& g = r.gauge("x_queue", "Queue.").get();
  int runs = 0;
  {
    auto collected = r.on_collect([&] { g.set(++runs * 10); });
    EXPECT_NE(r.render().find("x_queue 10\n"), std::string::npos);
    EXPECT_NE(r.render().find("x_queue 20\n"), std::string::npos);
  }
  EXPECT_NE(r.render().find("x_queue 20\n"), std::string::npos) << "no collector after its registration";
  EXPECT_EQ(runs, 2);
}

// The threads beside the io loop (LDAP workers, the directory watch) update the same
// instruments: nothing is lost, and a scrape meanwhile is safe.
TEST(MetricsRegistry, UpdatesFromManyThreadsAreAllCounted) {
  Registry r;
  auto& c = r.counter("x_total", "Count.").get();
  auto& h = r.histogram("x_seconds", "Latency.", {1}).get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  for (int i = 0; i < 20; ++i) (void)r.render();
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  const auto snapshot = h.snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{40000, 40000}));
  EXPECT_DOUBLE_EQ(snapshot.sum, 20000);
}

// The server's own metrics follow the conventions the dashboard and the docs rely on.
TEST(MetricsRegistry, TheServersMetricsAreNamedByConvention) {
  const auto names = server_metrics().registry.names();
  ASSERT_FALSE(names.empty());
  for (const auto& name : names) {
    EXPECT_TRUE(name.starts_with("cl_jabberd_")) << name;
  }
  const std::string text = server_metrics().registry.render();
  for (const auto& name : names) {
    const bool counter = text.find("# TYPE " + name + " counter\n") != std::string::npos;
    EXPECT_EQ(counter, name.ends_with("_total")) << name;
  }
  EXPECT_NE(text.find("cl_jabberd_tls_handshakes_total{listener=\"https\",result=\"failure\"}"), std::string::npos)
      << "known series shown from the start";
}

}  // namespace
}  // namespace jabberadmin::metrics
