#include "xml/stanza_template.hpp"

namespace jabberadmin::xml {

StanzaTemplate::StanzaTemplate(const Element& element, std::string_view parent_xmlns)
    : from_(element.attr_or("from")), after_name_(1 + element.name().size()) {
  if (!element.attr("to")) {
    bytes_ = serialize(element, parent_xmlns);
    return;
  }
  Element copy = element;
  copy.remove_attr("to");
  bytes_ = serialize(copy, parent_xmlns);
}

std::string StanzaTemplate::to(std::string_view to) const {
  const bool plain = to.find_first_of("&<>'\"\t\n\r") == std::string_view::npos;
  const std::string escaped = plain ? std::string() : escape_attr(to);
  const std::string_view value = plain ? to : std::string_view(escaped);
  std::string out;
  out.reserve(bytes_.size() + value.size() + 6);
  out.append(bytes_, 0, after_name_);
  out += " to='";
  out += value;
  out += '\'';
  out.append(bytes_, after_name_);
  return out;
}

}  // namespace jabberadmin::xml
