// SASL2 (XEP-0388) on a client stream, with Bind2 (XEP-0386) and FAST (XEP-0484) inline:
// the same mechanisms and the same sasl::Exchange (failure limits) as RFC 6120's SASL,
// framed as <authenticate/>, <challenge/>, <response/>, <success/>, <failure/>; no stream
// restart after <success/>. A <bind/> inside <authenticate/> binds a resource made by the
// server (the client's <tag/> and a random part) and sets up the modules' inline features
// (StreamFeatures::bind_inline); a <fast/> logs in with a token and <request-token/> asks
// for one (StreamFeatures::token_logins).
#include "jabberadmin/encoding.hpp"
#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
#include "stream/c2s.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"

namespace jabberadmin::stream {
namespace {

xml::Element sasl2(std::string_view name) { return xml::Element(std::string(name), std::string(ns::kSasl2)); }

bool truthy(std::string_view value) { return value == "true" || value == "1"; }

xml::Element token_element(const LoginToken& token) {
  xml::Element e("token", std::string(ns::kFast));
  e.set_attr("expiry", token.expiry).set_attr("token", token.token);
  return e;
}

// The resource Bind2 makes: the client's tag (when it is a valid resourcepart) and a
// random part, so that two devices with the same tag never collide (XEP-0386 §2.3).
std::string resource_from_tag(const xml::Element* tag) {
  std::string prefix;
  if (tag) {
    try {
      prefix = normalize_resource(tag->text());
    } catch (const Error&) {
      prefix.clear();
    }
  }
  if (prefix.size() > 64) prefix.resize(0);
  return (prefix.empty() ? std::string("cl") : prefix) + "." + random_hex(4);
}

}  // namespace

xml::Element C2s::sasl2_feature() const {
  xml::Element authentication("authentication", std::string(ns::kSasl2));
  for (const auto& name : mechanisms_.offered(*transport_)) authentication.add(sasl2("mechanism")).add_text(name);
  xml::Element& inline_features = authentication.add(sasl2("inline"));
  xml::Element& bind = inline_features.add(xml::Element("bind", std::string(ns::kBind2)));
  if (context_.features) {
    xml::Element& offered = bind.add(xml::Element("inline", std::string(ns::kBind2)));
    for (const auto& var : context_.features->bind_inline_features())
      offered.add(xml::Element("feature", std::string(ns::kBind2))).set_attr("var", var);
    if (TokenLogins* logins = context_.features->token_logins()) {
      xml::Element fast("fast", std::string(ns::kFast));
      for (const auto& name : logins->mechanisms(*transport_))
        fast.add(xml::Element("mechanism", std::string(ns::kFast))).add_text(name);
      if (fast.element_count() > 0) inline_features.add(std::move(fast));
    }
  }
  return authentication;
}

void C2s::on_authenticate(const xml::Element& authenticate) {
  sasl2_ = true;
  if (!transport_->secure() && config_.tls_required) return sasl_failure("encryption-required");
  client_id_.clear();
  if (const xml::Element* agent = authenticate.child("user-agent", ns::kSasl2)) client_id_ = agent->attr_or("id");
  rotated_token_.reset();
  const std::string name = authenticate.attr_or("mechanism");
  std::unique_ptr<sasl::Mechanism> mechanism;
  TokenLogins* logins = context_.features ? context_.features->token_logins() : nullptr;
  if (authenticate.child("fast", ns::kFast)) {
    // FAST: the client id is what a token is bound to (XEP-0484 §3).
    if (!logins) return sasl_failure("invalid-mechanism");
    if (client_id_.empty()) return sasl_failure("malformed-request", "FAST needs a <user-agent id=.../>");
    const std::weak_ptr<C2s> weak = weak_from_this();
    mechanism = logins->login(name, client_id_, *transport_, [weak](LoginToken next) {
      if (auto self = weak.lock()) self->rotated_token_ = std::move(next);
    });
  } else {
    mechanism = mechanisms_.create(name, sasl::StreamInfo{domain_, transport_.get(), false});
  }
  if (!mechanism) return sasl_failure("invalid-mechanism");
  authenticate_ = authenticate;
  std::optional<std::string> initial;
  if (const xml::Element* response = authenticate.child("initial-response", ns::kSasl2)) {
    const std::string text = response->text();
    initial = text.empty() ? std::string("=") : text;
  }
  start_exchange(std::move(mechanism), name, std::move(initial));
}

void C2s::sasl2_success(const std::string& username, std::string additional) {
  authenticated_as(username);
  const xml::Element request = std::move(*authenticate_);
  authenticate_.reset();

  // FAST: a token invalidated, asked for, or the next one after a rotation.
  std::optional<LoginToken> token;
  if (TokenLogins* logins = context_.features ? context_.features->token_logins() : nullptr) {
    const xml::Element* fast = request.child("fast", ns::kFast);
    if (fast && truthy(fast->attr_or("invalidate"))) logins->invalidate(username_, client_id_);
    else token = std::move(rotated_token_);
    if (const xml::Element* asked = request.child("request-token", ns::kFast); asked && !client_id_.empty())
      token = logins->issue(username_, client_id_, asked->attr_or("mechanism"));
  }
  rotated_token_.reset();

  // Bind2: the resource bound and the inline features set up before <success/> is written.
  const xml::Element* bind = request.child("bind", ns::kBind2);
  xml::Element bound("bound", std::string(ns::kBind2));
  const bool bound_now = bind && bind2(*bind, bound);

  xml::Element success = sasl2("success");
  if (!additional.empty()) success.add(sasl2("additional-data")).add_text(encoding::base64_encode(additional));
  success.add(sasl2("authorization-identifier")).add_text(bound_now ? jid_.full() : Jid{username_, domain_, {}}.bare());
  if (bound_now) success.add(std::move(bound));
  if (token) success.add(token_element(*token));
  send(success);
  // No Bind2 (or no room for another resource): the client binds as after RFC 6120 SASL,
  // on the same stream, with the features sent now (XEP-0388: no restart).
  if (!bound_now) send_features();
}

bool C2s::bind2(const xml::Element& request, xml::Element& bound) {
  if (!bind_resource(resource_from_tag(request.child("tag", ns::kBind2)))) return false;
  if (!context_.features) return true;
  for (const xml::Element& feature : request.children()) {
    if (!feature.is_element() || feature.xmlns() == ns::kBind2) continue;
    if (const BindInline* handler = context_.features->bind_inline_handler(feature.xmlns()))
      (*handler)(*this, feature, bound);
  }
  return true;
}

}  // namespace jabberadmin::stream
