// A stanza serialized once for many recipients. A presence broadcast to a thousand contacts
// differs only in 'to', so the payload is escaped and written once and each copy is the
// same bytes with one attribute added.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jabberadmin::xml {

class StanzaTemplate {
 public:
  StanzaTemplate() = default;
  // element as serialize(element, parent_xmlns) writes it, without any 'to' of its own.
  StanzaTemplate(const Element& element, std::string_view parent_xmlns);

  // The stanza addressed to `to` (a JID as text; escaped here).
  std::string to(std::string_view to) const;
  // The stanza with no 'to' at all.
  const std::string& without_to() const noexcept { return bytes_; }
  // Its 'from', as the element had it ("" when none): who the copies come from.
  const std::string& from() const noexcept { return from_; }

 private:
  std::string bytes_;            // serialized without 'to'
  std::string from_;
  std::size_t after_name_ = 0;   // 'to' goes right after "<name"
};

}  // namespace jabberadmin::xml
