// One account's blocked JIDs (XEP-0191) and how a JID is matched against them: the XEP's
// §5 order, that of XEP-0016 privacy lists. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "jabberadmin/jid.hpp"

namespace jabberadmin::blocking {

// An item's 'jid' as the client wrote it, normalised ("user@domain/resource", "user@domain",
// "domain/resource" or "domain"); nothing when it is no JID.
std::optional<std::string> normalize_item(std::string_view jid);

class Blocklist {
 public:
  // Items are normalised (normalize_item). False when it was there already (or was not).
  bool add(std::string item) { return items_.insert(std::move(item)).second; }
  bool remove(std::string_view item);
  void clear() noexcept { items_.clear(); }
  bool contains(std::string_view item) const { return items_.find(item) != items_.end(); }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  const std::set<std::string, std::less<>>& items() const noexcept { return items_; }

  // Whether an item blocks this JID (normalised text, as stamped or routed): the JID
  // itself (a full JID item names only that resource, as does "domain/resource"), its bare
  // JID (any resource), or its domain (the domain itself, everyone at it, and any
  // domain/resource). No allocation: this is asked for every stanza routed.
  bool blocks(std::string_view jid) const;
  // Whether the JID `jid` is the subject of item, by the same rules: which blocked contacts
  // an item covers (for the presence a block withdraws).
  static bool covers(std::string_view item, std::string_view jid);

 private:
  std::set<std::string, std::less<>> items_;
};

}  // namespace jabberadmin::blocking
