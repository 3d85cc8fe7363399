// XEP-0352 Client State Indication: what an inactive client (a phone in a pocket) can get
// later, squashed. Pure: the module decides when, this decides what.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "xml/element.hpp"

namespace jabberadmin::csi {

// Whether an inactive client can wait for stanza, and if so the key under which a newer
// stanza replaces it: a presence update (available or unavailable) by its sender's full
// JID, a chat state without a body (also as a carbon) by its sender: only the latest of
// each says anything. Nothing for what must go now: messages with a body or subject,
// everything else addressed to the client itself (IQs, errors, subscription requests,
// receipts, carbons of a body, ...).
std::optional<std::string> squash_key(const xml::Element& stanza);

class HeldStanzas {
 public:
  using Write = std::function<void(std::string bytes)>;
  // limit: held stanzas at most; one more and everything held goes out.
  explicit HeldStanzas(std::size_t limit) : limit_(limit) {}

  // A stanza for the inactive client (bytes: as the client gets it). Held, replacing the
  // one held under the same key (the newer one takes its place at the end); or, when it
  // must go now, written after what is held from the same sender (bare JID), so that
  // nothing overtakes what its sender said before; other senders' updates keep waiting.
  void offer(const xml::Element& stanza, std::string bytes, const Write& write);
  // Writes everything held, oldest first (the client became active).
  void flush(const Write& write);
  std::size_t size() const noexcept { return held_.size(); }

 private:
  struct Entry {
    std::string key, sender, bytes;
  };
  using Held = std::list<Entry>;  // oldest first
  void flush_from(std::string_view sender, const Write& write);
  Held held_;
  std::unordered_map<std::string, Held::iterator> by_key_;
  std::size_t limit_;
};

}  // namespace jabberadmin::csi
