#include "module/disco_features.hpp"

namespace jabberadmin::module {

util::Registration DiscoFeatures::add(router::IqTarget target, std::string var, std::string without_handler) {
  auto key = std::make_pair(target, std::move(var));
  Held& held = (*counts_)[key];
  ++held.count;
  if (!without_handler.empty()) held.without_handler = std::move(without_handler);
  return util::Registration([counts = std::weak_ptr<Counts>(counts_), key = std::move(key)] {
    auto c = counts.lock();
    if (!c) return;
    if (auto it = c->find(key); it != c->end() && --it->second.count == 0) c->erase(it);
  });
}

std::vector<std::string> DiscoFeatures::of(router::IqTarget target) const {
  std::vector<std::string> out;
  for (const auto& [key, count] : *counts_)
    if (key.first == target) out.push_back(key.second);
  return out;
}

std::string DiscoFeatures::without_handler(router::IqTarget target, const std::string& var) const {
  const auto it = counts_->find({target, var});
  return it == counts_->end() ? std::string() : it->second.without_handler;
}

}  // namespace jabberadmin::module
