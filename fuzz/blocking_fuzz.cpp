// libFuzzer target for XEP-0191 blocking items: each <item jid/> the bytes hold (in a
// <block/>, an <unblock/>, or anywhere) normalised as the server does
// (blocking::normalize_item) and added to one blocklist. Invariants:
//   - a normalised item normalises to itself;
//   - the list blocks each item it holds, and whether it blocks a JID is whether one of
//     its items covers that JID (Blocklist::blocks against Blocklist::covers);
//   - removing every item leaves a list that blocks nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "blocking/blocklist.hpp"
#include "elements.hpp"

using namespace jabberadmin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> items;
  for (const xml::Element& stanza : fuzz::elements_of(bytes)) {
    fuzz::each_element(stanza, [&](const xml::Element& e) {
      if (e.name() != "item" || items.size() >= 64) return;
      const auto jid = e.attr("jid");
      if (!jid) return;
      const auto item = blocking::normalize_item(*jid);
      if (!item) return;
      if (blocking::normalize_item(*item) != item) std::abort();
      items.push_back(*item);
    });
  }
  blocking::Blocklist list;
  for (const std::string& item : items) list.add(item);
  for (const std::string& jid : items) {
    if (!list.blocks(jid)) std::abort();
    const bool covered = std::any_of(list.items().begin(), list.items().end(),
                                     [&](const std::string& item) { return blocking::Blocklist::covers(item, jid); });
    if (covered != list.blocks(jid)) std::abort();
  }
  for (const std::string& item : items) list.remove(item);
  if (!list.empty()) std::abort();
  for (const std::string& jid : items)
    if (list.blocks(jid)) std::abort();
  return 0;
}
