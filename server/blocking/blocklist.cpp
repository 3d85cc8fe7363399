#include "blocking/blocklist.hpp"

namespace jabberadmin::blocking {
namespace {
// The shorter forms a JID is matched by: its bare JID and its domain (each may equal the JID).
struct Forms {
  std::string_view bare, domain;
};
Forms forms_of(std::string_view jid) {
  const std::string_view bare = jid.substr(0, jid.find('/'));
  const auto at = bare.find('@');
  return {bare, at == std::string_view::npos ? bare : bare.substr(at + 1)};
}
}  // namespace

std::optional<std::string> normalize_item(std::string_view jid) {
  // JIDs are at most three parts of 1023 bytes (RFC 7622 §3.1); longer text is no JID.
  if (jid.empty() || jid.size() > 3071) return std::nullopt;
  const auto parsed = Jid::parse(jid);
  if (!parsed || parsed->domain.empty()) return std::nullopt;
  return parsed->full();
}

bool Blocklist::remove(std::string_view item) {
  const auto it = items_.find(item);
  if (it == items_.end()) return false;
  items_.erase(it);
  return true;
}

bool Blocklist::blocks(std::string_view jid) const {
  if (items_.empty() || jid.empty()) return false;
  const Forms f = forms_of(jid);
  return contains(jid) || contains(f.bare) || contains(f.domain);
}

bool Blocklist::covers(std::string_view item, std::string_view jid) {
  const Forms f = forms_of(jid);
  return item == jid || item == f.bare || item == f.domain;
}

}  // namespace jabberadmin::blocking
