#include "pep/node_config.hpp"

#include <charconv>

#include "stream/namespaces.hpp"

namespace jabberadmin::pep {
namespace {
using ns::kDataForms;
constexpr std::string_view kNodeConfig = "http://jabber.org/protocol/pubsub#node_config";

std::optional<bool> boolean(std::string_view v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return std::nullopt;
}

std::optional<std::size_t> max_items(std::string_view v) {
  if (v == "max") return kMaxItemsPerNode;
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n == 0 || n > kMaxItemsPerNode) return std::nullopt;
  return n;
}

std::string first_value(const xml::Element& field) {
  const xml::Element* v = field.child("value", kDataForms);
  return v ? v->text() : std::string();
}

// Applies one field; false when its value is not acceptable or the field unknown.
bool apply_field(std::string_view var, std::string_view value, NodeConfig& config) {
  if (var == "pubsub#access_model") {
    const auto m = access_model(value);
    if (m) config.access = *m;
    return m.has_value();
  }
  if (var == "pubsub#persist_items") {
    const auto b = boolean(value);
    if (b) config.persist_items = *b;
    return b.has_value();
  }
  if (var == "pubsub#max_items") {
    const auto n = max_items(value);
    if (n) config.max_items = *n;
    return n.has_value();
  }
  if (var == "pubsub#send_last_published_item") {
    if (value != "never" && value != "on_sub" && value != "on_sub_and_presence") return false;
    config.send_last_published = value != "never";
    return true;
  }
  // Always on here; asking for them is fine, asking them off is not supported.
  if (var == "pubsub#deliver_notifications" || var == "pubsub#deliver_payloads" || var == "pubsub#notify_retract" ||
      var == "pubsub#notify_delete" || var == "pubsub#presence_based_delivery")
    return boolean(value).value_or(false) || var == "pubsub#presence_based_delivery";
  return false;
}

xml::Element field(std::string_view var, std::string_view type, std::string_view value) {
  xml::Element f("field", std::string(kDataForms));
  f.set_attr("var", var).set_attr("type", type);
  f.add(xml::Element("value", std::string(kDataForms))).add_text(value);
  return f;
}
}  // namespace

std::string_view to_string(AccessModel model) {
  switch (model) {
    case AccessModel::Open: return "open";
    case AccessModel::Presence: return "presence";
    case AccessModel::Whitelist: return "whitelist";
  }
  return "presence";
}

std::optional<AccessModel> access_model(std::string_view text) {
  if (text == "open") return AccessModel::Open;
  if (text == "presence") return AccessModel::Presence;
  if (text == "whitelist") return AccessModel::Whitelist;
  return std::nullopt;
}

FormResult apply_form(const xml::Element& form, NodeConfig config) {
  for (const xml::Element& f : form.children()) {
    if (!f.is("field", kDataForms)) continue;
    const std::string var = f.attr_or("var");
    if (var == "FORM_TYPE") continue;
    if (!apply_field(var, first_value(f), config)) return {config, "unsupported value of " + var + ": '" + first_value(f) + "'"};
  }
  return {config, {}};
}

std::string unmet_precondition(const xml::Element& form, const NodeConfig& config) {
  for (const xml::Element& f : form.children()) {
    if (!f.is("field", kDataForms)) continue;
    const std::string var = f.attr_or("var");
    if (var == "FORM_TYPE") continue;
    NodeConfig wanted = config;
    // A field without a var is none we could meet: named, so that "" keeps meaning "all met".
    if (!apply_field(var, first_value(f), wanted) || wanted != config) return var.empty() ? "(a field without a var)" : var;
  }
  return {};
}

xml::Element config_form(const NodeConfig& config) {
  xml::Element x("x", std::string(kDataForms));
  x.set_attr("type", "form");
  x.add(field("FORM_TYPE", "hidden", kNodeConfig));
  xml::Element& access = x.add(field("pubsub#access_model", "list-single", to_string(config.access)));
  for (std::string_view m : {"open", "presence", "whitelist"})
    access.add(xml::Element("option", std::string(kDataForms))).add(xml::Element("value", std::string(kDataForms))).add_text(m);
  x.add(field("pubsub#persist_items", "boolean", config.persist_items ? "1" : "0"));
  x.add(field("pubsub#max_items", "text-single", std::to_string(config.max_items)));
  xml::Element& last = x.add(field("pubsub#send_last_published_item", "list-single",
                                   config.send_last_published ? "on_sub_and_presence" : "never"));
  for (std::string_view m : {"never", "on_sub_and_presence"})
    last.add(xml::Element("option", std::string(kDataForms))).add(xml::Element("value", std::string(kDataForms))).add_text(m);
  return x;
}

Access access(const NodeConfig& config, bool owner, bool presence_subscriber) {
  if (owner) return Access::Allowed;
  switch (config.access) {
    case AccessModel::Open: return Access::Allowed;
    case AccessModel::Presence:
      return presence_subscriber ? Access::Allowed : Access::PresenceSubscriptionRequired;
    case AccessModel::Whitelist: return Access::ClosedNode;
  }
  return Access::ClosedNode;
}

}  // namespace jabberadmin::pep
