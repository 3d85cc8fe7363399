// The metrics of one process and their exposition. Metrics are declared once, at start
// (each name once, checked against Prometheus' naming rules: a counter's name ends in
// _total); what they count is updated through the instruments (metrics/instruments.hpp).
// Values that are cheaper to read than to follow (sessions per host, messages waiting in
// the offline store) are refreshed by collectors just before each scrape.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "metrics/family.hpp"
#include "metrics/instruments.hpp"
#include "util/registration.hpp"

namespace jabberadmin::metrics {

class Registry {
 public:
  Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each throws std::logic_error for a bad or repeated name or label name: a programming
  // error, found by the first test that starts the server.
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                               std::vector<std::string> labels = {});

  // Called on the scraping thread before each exposition, until the registration goes.
  util::Registration on_collect(std::function<void()> refresh);

  // Every metric, in the order declared: # HELP, # TYPE, then its samples.
  std::string render() const;
  // The names of the metrics declared, as the exposition's TYPE lines give them.
  std::vector<std::string> names() const;

 private:
  struct Metric {
    std::string name;
    std::string help;
    std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>, std::unique_ptr<Family<Histogram>>>
        family;
  };
  Metric& declare(std::string name, std::string help, const std::vector<std::string>& labels);

  std::vector<std::unique_ptr<Metric>> metrics_;
  struct Collectors;
  std::shared_ptr<Collectors> collectors_;
};

}  // namespace jabberadmin::metrics
