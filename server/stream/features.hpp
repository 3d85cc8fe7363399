// The stream features that modules offer (RFC 6120 §4.3.2), beside the stream's own
// negotiation (STARTTLS, SASL mechanisms, resource binding), which C2s writes itself.
//
//   PreAuth:  offered while the stream is not authenticated (after the SASL mechanisms);
//   PostAuth: offered after authentication, after <bind/> (the legacy <session/>, XEP-0237
//             <ver/>, and later stream management's <sm/>).
//
// SASL2 (XEP-0388) and Bind2 (XEP-0386) carry a second kind of feature *inline*:
//
//   Sasl2Inline: children of <authentication><inline/>, set up within the authentication
//                (FAST's <fast/>, offered with the token logins below);
//   bind_inline(): a module's feature set up within Bind2's <bind/> (carbons, CSI, stream
//                management): advertised as <feature var='xmlns'/> in the <bind/> of
//                SASL2's <inline/>, and its handler runs for the client's element of that
//                namespace once the resource is bound. So the stream knows no module.
//
// Each feature is serialized once, when it registers; a stream only joins the bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream/management.hpp"
#include "stream/token_logins.hpp"
#include "util/registration.hpp"
#include "xml/element.hpp"

namespace jabberadmin::stream {

enum class FeatureStage { PreAuth, PostAuth, Sasl2Inline };

// A Bind2 inline feature's setup: request is the client's element in the feature's
// namespace; what the feature answers (<enabled/>...) goes into bound, the <bound/> of the
// SASL2 <success/>. The stream is bound, its answer not yet sent.
using BindInline = std::function<void(C2s& stream, const xml::Element& request, xml::Element& bound)>;

class StreamFeatures {
 public:
  // Offers feature (an element in its own namespace) at stage until the registration goes.
  util::Registration add(FeatureStage stage, const xml::Element& feature);
  // The features of stage, serialized as children of <stream:features/>, in the order they
  // were registered.
  std::string serialized(FeatureStage stage) const;

  // Stream management (XEP-0198): the module that handles urn:xmpp:sm:3 on every stream,
  // until the registration goes (one at most: a second is a std::logic_error).
  util::Registration manage(Management& management);
  Management* management() const noexcept { return *management_; }

  // Bind2: the feature xmlns set up inline by handler, until the registration goes (one per
  // namespace: a second is a std::logic_error).
  util::Registration bind_inline(std::string xmlns, BindInline handler);
  // The namespaces offered inline in <bind/>, in the order they registered.
  std::vector<std::string> bind_inline_features() const;
  // The handler of xmlns, or nullptr.
  const BindInline* bind_inline_handler(std::string_view xmlns) const;

  // FAST (XEP-0484): the token logins, one at most (a second is a std::logic_error).
  util::Registration token_logins(TokenLogins& logins);
  TokenLogins* token_logins() const noexcept { return *token_logins_; }

 private:
  using Features = std::map<std::pair<FeatureStage, std::uint64_t>, std::string>;
  std::shared_ptr<Features> features_ = std::make_shared<Features>();
  std::uint64_t next_ = 0;
  std::shared_ptr<Management*> management_ = std::make_shared<Management*>(nullptr);
  using BindInlines = std::map<std::uint64_t, std::pair<std::string, std::shared_ptr<const BindInline>>>;
  std::shared_ptr<BindInlines> bind_inlines_ = std::make_shared<BindInlines>();
  std::shared_ptr<TokenLogins*> token_logins_ = std::make_shared<TokenLogins*>(nullptr);
};

}  // namespace jabberadmin::stream
