#include "metrics/registry.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "metrics/exposition.hpp"

namespace jabberadmin::metrics {
namespace {

const char* type_of(const std::unique_ptr<Family<Counter>>&) { return "counter"; }
const char* type_of(const std::unique_ptr<Family<Gauge>>&) { return "gauge"; }
const char* type_of(const std::unique_ptr<Family<Histogram>>&) { return "histogram"; }

void samples(std::string& out, const std::string& name, const Family<Counter>& family) {
  family.each([&](const std::vector<std::string>& values, const Counter& c) {
    out += name + label_set(family.label_names(), values) + " " + std::to_string(c.value()) + "\n";
  });
}

void samples(std::string& out, const std::string& name, const Family<Gauge>& family) {
  family.each([&](const std::vector<std::string>& values, const Gauge& g) {
    out += name + label_set(family.label_names(), values) + " " + format_value(g.value()) + "\n";
  });
}

void samples(std::string& out, const std::string& name, const Family<Histogram>& family) {
  std::vector<std::string> names = family.label_names();
  names.push_back("le");
  family.each([&](const std::vector<std::string>& values, const Histogram& h) {
    const Histogram::Snapshot snapshot = h.snapshot();
    std::vector<std::string> with_le = values;
    with_le.emplace_back();
    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      with_le.back() = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
      out += name + "_bucket" + label_set(names, with_le) + " " + std::to_string(snapshot.cumulative[i]) + "\n";
    }
    const std::string labels = label_set(family.label_names(), values);
    out += name + "_sum" + labels + " " + format_value(snapshot.sum) + "\n";
    out += name + "_count" + labels + " " + std::to_string(snapshot.cumulative.back()) + "\n";
  });
}

}  // namespace

struct Registry::Collectors {
  std::mutex mutex;
  std::map<std::uint64_t, std::function<void()>> refresh;
  std::uint64_t next = 0;
};

Registry::Registry() : collectors_(std::make_shared<Collectors>()) {}

Registry::Metric& Registry::declare(std::string name, std::string help, const std::vector<std::string>& labels) {
  if (!valid_metric_name(name)) throw std::logic_error("not a metric name: " + name);
  for (const auto& m : metrics_)
    if (m->name == name) throw std::logic_error("metric declared twice: " + name);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!valid_label_name(labels[i]) || labels[i] == "le" ||
        std::find(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(i), labels[i]) != labels.begin() + static_cast<std::ptrdiff_t>(i))
      throw std::logic_error("bad label name for " + name + ": " + labels[i]);
  metrics_.push_back(std::make_unique<Metric>(Metric{std::move(name), std::move(help), {}}));
  return *metrics_.back();
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  // Prometheus' convention, which its OpenMetrics parsers rely on.
  if (!name.ends_with("_total")) throw std::logic_error("a counter's name ends in _total: " + name);
  Metric& m = declare(std::move(name), std::move(help), labels);
  auto family = std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); });
  auto& out = *family;
  m.family = std::move(family);
  return out;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  Metric& m = declare(std::move(name), std::move(help), labels);
  auto family = std::make_unique<Family<Gauge>>(std::move(labels), [] { return std::make_unique<Gauge>(); });
  auto& out = *family;
  m.family = std::move(family);
  return out;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                       std::vector<std::string> labels) {
  (void)Histogram(bounds);  // refuses bad bounds now, not at the first observation
  Metric& m = declare(std::move(name), std::move(help), labels);
  auto family = std::make_unique<Family<Histogram>>(
      std::move(labels), [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  auto& out = *family;
  m.family = std::move(family);
  return out;
}

util::Registration Registry::on_collect(std::function<void()> refresh) {
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(collectors_->mutex);
    id = collectors_->next++;
    collectors_->refresh.emplace(id, std::move(refresh));
  }
  return util::Registration([weak = std::weak_ptr(collectors_), id] {
    if (auto c = weak.lock()) {
      const std::lock_guard lock(c->mutex);
      c->refresh.erase(id);
    }
  });
}

std::string Registry::render() const {
  {
    // Collectors run on the scraping thread (the io loop's, in the server), as their owners do.
    const std::lock_guard lock(collectors_->mutex);
    for (const auto& [id, refresh] : collectors_->refresh) refresh();
  }
  std::string out;
  for (const auto& m : metrics_) {
    out += "# HELP " + m->name + " " + escape_help(m->help) + "\n";
    std::visit(
        [&](const auto& family) {
          out += "# TYPE " + m->name + " " + type_of(family) + "\n";
          samples(out, m->name, *family);
        },
        m->family);
  }
  return out;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& m : metrics_) out.push_back(m->name);
  return out;
}

}  // namespace jabberadmin::metrics
