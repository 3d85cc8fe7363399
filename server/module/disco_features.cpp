#include "module/disco_features.hpp"

namespace jabberadmin::module {

util::Registration DiscoFeatures::add(router::IqTarget target, std::string var) {
  auto key = std::make_pair(target, std::move(var));
  ++(*counts_)[key];
  return util::Registration([counts = std::weak_ptr<Counts>(counts_), key = std::move(key)] {
    auto c = counts.lock();
    if (!c) return;
    if (auto it = c->find(key); it != c->end() && --it->second == 0) c->erase(it);
  });
}

std::vector<std::string> DiscoFeatures::of(router::IqTarget target) const {
  std::vector<std::string> out;
  for (const auto& [key, count] : *counts_)
    if (key.first == target) out.push_back(key.second);
  return out;
}

}  // namespace jabberadmin::module
