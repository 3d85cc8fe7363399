// libFuzzer target for JIDs (RFC 7622 through libidn's nodeprep/resourceprep and libidn2's
// IDNA): the parts every user name, host and address from outside goes through. Invariants:
//   - nothing but jabberadmin::Error escapes the normalisers (a refusal, never a crash);
//   - normalisation is idempotent: a normalised part normalises to itself, so two spellings
//     of one account can never compare unequal after one more pass;
//   - Jid::parse(j.full()) == j for every JID parse accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"

using namespace jabberadmin;

namespace {

template <typename Normalise>
void idempotent(Normalise normalise, std::string_view input) {
  std::string once;
  try {
    once = normalise(input);
  } catch (const Error&) {
    return;
  }
  std::string twice;
  try {
    twice = normalise(once);
  } catch (const Error& e) {
    std::fprintf(stderr, "normalised form refused: %s\n", e.what());
    std::abort();
  }
  if (twice != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the part, the rest is the text.
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: idempotent(normalize_localpart, text); break;
    case 1: idempotent(normalize_domain, text); break;
    case 2: idempotent(normalize_resource, text); break;
    default: {
      const auto jid = Jid::parse(text);
      if (!jid) break;
      const auto again = Jid::parse(jid->full());
      if (!again || *again != *jid || again->full() != jid->full()) std::abort();
      if (jid->domain.empty()) std::abort();
    }
  }
  return 0;
}
