#include "stream/features.hpp"

#include <stdexcept>

#include "stream/namespaces.hpp"

namespace jabberadmin::stream {

util::Registration StreamFeatures::add(FeatureStage stage, const xml::Element& feature) {
  const auto key = std::make_pair(stage, next_++);
  features_->emplace(key, xml::serialize(feature, ns::kStreams));
  return util::Registration([features = std::weak_ptr<Features>(features_), key] {
    if (auto f = features.lock()) f->erase(key);
  });
}

std::string StreamFeatures::serialized(FeatureStage stage) const {
  std::string out;
  for (auto it = features_->lower_bound({stage, 0}); it != features_->end() && it->first.first == stage; ++it)
    out += it->second;
  return out;
}

util::Registration StreamFeatures::manage(Management& management) {
  if (*management_ != nullptr) throw std::logic_error("two handlers for stream management");
  *management_ = &management;
  return util::Registration([slot = std::weak_ptr<Management*>(management_), m = &management] {
    if (auto s = slot.lock(); s && *s == m) *s = nullptr;
  });
}

}  // namespace jabberadmin::stream
