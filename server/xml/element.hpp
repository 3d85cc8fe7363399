// An XML element as a value: name, namespace, attributes and children (elements, text, raw).
// Text nodes are children with an empty name, so the tree is one simple, copyable type.
// A raw node holds bytes serialized once elsewhere (a group's shared roster items, written
// for all its members): the serializer writes them verbatim and nothing here parses them, so
// they are for output only and are no element to child(), first_element() or text().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jabberadmin::xml {

class Element {
 public:
  Element() = default;
  Element(std::string name, std::string xmlns) : name_(std::move(name)), xmlns_(std::move(xmlns)) {}
  static Element text_node(std::string text);
  // bytes must be well-formed XML content in the namespace of the element it is added to.
  static Element raw(std::string bytes);

  const std::string& name() const noexcept { return name_; }
  const std::string& xmlns() const noexcept { return xmlns_; }
  bool is_text() const noexcept { return name_.empty() && !raw_; }
  bool is_raw() const noexcept { return raw_; }
  bool is_element() const noexcept { return !name_.empty(); }
  bool is(std::string_view name, std::string_view xmlns) const noexcept { return name_ == name && xmlns_ == xmlns; }

  // Attributes by qualified name ("type", "xml:lang"); set_attr replaces an existing value.
  const std::vector<std::pair<std::string, std::string>>& attrs() const noexcept { return attrs_; }
  std::optional<std::string_view> attr(std::string_view name) const;
  std::string attr_or(std::string_view name, std::string_view fallback = {}) const;
  Element& set_attr(std::string_view name, std::string_view value);
  void remove_attr(std::string_view name);

  const std::vector<Element>& children() const noexcept { return children_; }
  std::vector<Element>& children() noexcept { return children_; }
  Element& add(Element child);                  // returns the added child
  Element& add_text(std::string_view text);     // merges with a preceding text node
  // The first child element with this name and namespace (namespace empty = any).
  const Element* child(std::string_view name, std::string_view xmlns = {}) const;
  // The first child that is an element, if any.
  const Element* first_element() const;
  std::size_t element_count() const;
  // All text directly inside this element.
  std::string text() const;

  friend bool operator==(const Element&, const Element&) = default;

 private:
  std::string name_;   // local name; empty for a text or raw node
  std::string xmlns_;  // namespace URI, the text of a text node, or the bytes of a raw node
  bool raw_ = false;
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::vector<Element> children_;
};

// Escaping for text content and for attribute values in single or double quotes.
std::string escape_text(std::string_view text);
std::string escape_attr(std::string_view value);

// Serializes element; an xmlns attribute is written only where the namespace differs from
// parent_xmlns (pass "jabber:client" for stanzas on a client stream).
std::string serialize(const Element& element, std::string_view parent_xmlns = {});
void serialize_to(std::string& out, const Element& element, std::string_view parent_xmlns);

}  // namespace jabberadmin::xml
