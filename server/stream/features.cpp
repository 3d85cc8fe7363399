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

util::Registration StreamFeatures::bind_inline(std::string xmlns, BindInline handler) {
  for (const auto& [id, entry] : *bind_inlines_)
    if (entry.first == xmlns) throw std::logic_error("two Bind2 handlers for " + xmlns);
  const auto id = next_++;
  bind_inlines_->emplace(id, std::make_pair(std::move(xmlns), std::make_shared<const BindInline>(std::move(handler))));
  return util::Registration([inlines = std::weak_ptr<BindInlines>(bind_inlines_), id] {
    if (auto i = inlines.lock()) i->erase(id);
  });
}

std::vector<std::string> StreamFeatures::bind_inline_features() const {
  std::vector<std::string> names;
  for (const auto& [id, entry] : *bind_inlines_) names.push_back(entry.first);
  return names;
}

const BindInline* StreamFeatures::bind_inline_handler(std::string_view xmlns) const {
  for (const auto& [id, entry] : *bind_inlines_)
    if (entry.first == xmlns) return entry.second.get();
  return nullptr;
}

util::Registration StreamFeatures::token_logins(TokenLogins& logins) {
  if (*token_logins_ != nullptr) throw std::logic_error("two handlers for FAST token logins");
  *token_logins_ = &logins;
  return util::Registration([slot = std::weak_ptr<TokenLogins*>(token_logins_), l = &logins] {
    if (auto s = slot.lock(); s && *s == l) *s = nullptr;
  });
}

}  // namespace jabberadmin::stream
