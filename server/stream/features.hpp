// The stream features that modules offer (RFC 6120 §4.3.2), beside the stream's own
// negotiation (STARTTLS, SASL mechanisms, resource binding), which C2s writes itself.
//
//   PreAuth:  offered while the stream is not authenticated (after the SASL mechanisms);
//   PostAuth: offered after authentication, after <bind/> (the legacy <session/>, XEP-0237
//             <ver/>, and later stream management's <sm/>).
//
// Still to come, and the reason this is a registry and not a list in C2s: SASL2 (XEP-0388)
// and Bind2 (XEP-0386) carry a second kind of feature *inline*, inside <authentication/>
// and <bind/> (a module would offer "urn:xmpp:sm:3" there too). They will be a third and a
// fourth stage here, filled the same way, when SASL2 is written; nothing offers them yet.
//
// Each feature is serialized once, when it registers; a stream only joins the bytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "stream/management.hpp"
#include "util/registration.hpp"
#include "xml/element.hpp"

namespace jabberadmin::stream {

enum class FeatureStage { PreAuth, PostAuth };

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

 private:
  using Features = std::map<std::pair<FeatureStage, std::uint64_t>, std::string>;
  std::shared_ptr<Features> features_ = std::make_shared<Features>();
  std::uint64_t next_ = 0;
  std::shared_ptr<Management*> management_ = std::make_shared<Management*>(nullptr);
};

}  // namespace jabberadmin::stream
