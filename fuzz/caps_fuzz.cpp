// libFuzzer target for XEP-0115 entity capabilities: the verification string and ver the
// server computes from a disco#info answer a client sends (caps::verification_string,
// caps::ver), on every disco#info <query/> the bytes hold. Invariants:
//   - §5.1 sorts everything, so the order a client lists identities, features, forms,
//     fields and values in changes nothing: the children reversed give the same string
//     (or the same refusal);
//   - ver is the base64 of the SHA-1 / SHA-256 of that string; other hashes give nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "caps/caps_hash.hpp"
#include "elements.hpp"
#include "jabberadmin/encoding.hpp"
#include "stream/namespaces.hpp"

using namespace jabberadmin;

namespace {
// The child elements of every element in reverse order, text where it was (the text of a
// <value/> is its text nodes in order, which is no list).
void reverse_all(xml::Element& e) {
  std::vector<std::size_t> slots;
  for (std::size_t i = 0; i < e.children().size(); ++i)
    if (e.children()[i].is_element()) slots.push_back(i);
  for (std::size_t i = 0, j = slots.size(); i + 1 < j; ++i, --j)
    std::swap(e.children()[slots[i]], e.children()[slots[j - 1]]);
  for (xml::Element& c : e.children())
    if (c.is_element()) reverse_all(c);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const xml::Element& stanza : fuzz::elements_of(bytes)) {
    fuzz::each_element(stanza, [](const xml::Element& query) {
      if (!query.is("query", ns::kDiscoInfo)) return;
      const auto s = caps::verification_string(query);
      xml::Element reversed = query;
      reverse_all(reversed);
      if (caps::verification_string(reversed) != s) std::abort();
      const auto sha1 = caps::ver(query, "sha-1");
      const auto sha256 = caps::ver(query, "sha-256");
      if (s.has_value() != sha1.has_value() || s.has_value() != sha256.has_value()) std::abort();
      if (s && (*sha1 != encoding::base64_encode(encoding::sha1(*s)) ||
                *sha256 != encoding::base64_encode(encoding::sha256(*s))))
        std::abort();
      if (caps::ver(query, "md5")) std::abort();
    });
  }
  return 0;
}
