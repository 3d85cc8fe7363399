#include "xml/element.hpp"

namespace jabberadmin::xml {

Element Element::text_node(std::string text) {
  Element e;
  e.xmlns_ = std::move(text);
  return e;
}

Element Element::raw(std::string bytes) {
  Element e;
  e.xmlns_ = std::move(bytes);
  e.raw_ = true;
  return e;
}

std::optional<std::string_view> Element::attr(std::string_view name) const {
  for (const auto& [k, v] : attrs_)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string Element::attr_or(std::string_view name, std::string_view fallback) const {
  const auto value = attr(name);
  return std::string(value ? *value : fallback);
}

Element& Element::set_attr(std::string_view name, std::string_view value) {
  for (auto& [k, v] : attrs_)
    if (k == name) {
      v = value;
      return *this;
    }
  attrs_.emplace_back(name, value);
  return *this;
}

void Element::remove_attr(std::string_view name) {
  std::erase_if(attrs_, [&](const auto& kv) { return kv.first == name; });
}

Element& Element::add(Element child) { return children_.emplace_back(std::move(child)); }

Element& Element::add_text(std::string_view text) {
  if (!children_.empty() && children_.back().is_text()) {
    children_.back().xmlns_.append(text);
    return children_.back();
  }
  return add(text_node(std::string(text)));
}

const Element* Element::child(std::string_view name, std::string_view xmlns) const {
  for (const auto& c : children_)
    if (c.is_element() && c.name_ == name && (xmlns.empty() || c.xmlns_ == xmlns)) return &c;
  return nullptr;
}

const Element* Element::first_element() const {
  for (const auto& c : children_)
    if (c.is_element()) return &c;
  return nullptr;
}

std::size_t Element::element_count() const {
  std::size_t n = 0;
  for (const auto& c : children_) n += c.is_element() ? 1 : 0;
  return n;
}

std::string Element::text() const {
  if (is_text()) return xmlns_;
  std::string out;
  for (const auto& c : children_)
    if (c.is_text()) out += c.xmlns_;
  return out;
}

namespace {
void escape_into(std::string& out, std::string_view s, bool attribute) {
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': attribute ? out += "&quot;" : out += c; break;
      case '\'': attribute ? out += "&apos;" : out += c; break;
      // Kept as references so attribute-value normalisation does not turn them into spaces.
      case '\t': attribute ? out += "&#9;" : out += c; break;
      case '\n': attribute ? out += "&#10;" : out += c; break;
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
}
}  // namespace

std::string escape_text(std::string_view text) {
  std::string out;
  escape_into(out, text, false);
  return out;
}

std::string escape_attr(std::string_view value) {
  std::string out;
  escape_into(out, value, true);
  return out;
}

void serialize_to(std::string& out, const Element& e, std::string_view parent_xmlns) {
  if (e.is_text()) {
    escape_into(out, e.text(), false);
    return;
  }
  if (e.is_raw()) {
    out += e.xmlns();
    return;
  }
  out += '<';
  out += e.name();
  if (e.xmlns() != parent_xmlns) {
    out += " xmlns='";
    escape_into(out, e.xmlns(), true);
    out += '\'';
  }
  for (const auto& [k, v] : e.attrs()) {
    out += ' ';
    out += k;
    out += "='";
    escape_into(out, v, true);
    out += '\'';
  }
  if (e.children().empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const auto& c : e.children()) serialize_to(out, c, e.xmlns());
  out += "</";
  out += e.name();
  out += '>';
}

std::string serialize(const Element& element, std::string_view parent_xmlns) {
  std::string out;
  serialize_to(out, element, parent_xmlns);
  return out;
}

}  // namespace jabberadmin::xml
