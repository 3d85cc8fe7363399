// One metric's instruments, one per combination of its label values ("mechanism" =
// "PLAIN"). Finding or making one takes a lock: code on a hot path finds its instrument once
// and keeps the reference, which stays valid as long as the family.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace jabberadmin::metrics {

template <typename Instrument>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Instrument>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The instrument for these values, one for each label name in order; made at first use.
  Instrument& with(const std::vector<std::string>& values) {
    if (values.size() != label_names_.size()) throw std::logic_error("wrong number of label values");
    const std::lock_guard lock(mutex_);
    auto& slot = children_[values];
    if (!slot) slot = make_();
    return *slot;
  }
  // The one instrument of a metric without labels.
  Instrument& get() { return with({}); }

  const std::vector<std::string>& label_names() const noexcept { return label_names_; }

  // Each instrument with its values, in the order of the values (a stable exposition).
  void each(const std::function<void(const std::vector<std::string>&, const Instrument&)>& f) const {
    const std::lock_guard lock(mutex_);
    for (const auto& [values, instrument] : children_) f(values, *instrument);
  }

 private:
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Instrument>()> make_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Instrument>> children_;
};

}  // namespace jabberadmin::metrics
