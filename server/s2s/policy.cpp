#include "s2s/policy.hpp"

#include <algorithm>

#include "stream/stanza.hpp"

namespace jabberadmin::s2s {

bool DomainPolicy::allows(std::string_view domain) const {
  for (const auto& blocked : block)
    if (domain == blocked || (domain.size() > blocked.size() && domain.ends_with(blocked) &&
                              domain[domain.size() - blocked.size() - 1] == '.'))
      return false;
  return allow.empty() || std::find(allow.begin(), allow.end(), domain) != allow.end();
}

bool bounceable(const stream::Stanza& stanza) {
  const std::string_view type = stanza.type();
  if (type == "error") return false;
  if (stanza.is_message()) return true;
  if (stanza.is_iq()) return type == "get" || type == "set";
  return stream::is_subscription(type);
}

}  // namespace jabberadmin::s2s
