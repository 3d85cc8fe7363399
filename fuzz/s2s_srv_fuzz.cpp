// The DNS answers federation reads (s2s/resolver): an SRV answer from the network, parsed
// with libresolv and ordered. Whatever the bytes, no crash, no read outside them, and the
// targets come out with a port, a name, and in RFC 2782 priority order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "s2s/resolver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jabberadmin::s2s;
  const auto records = parse_srv_answer(data, size);
  const auto targets = srv_targets(records);
  if (targets.size() > records.size()) std::abort();
  for (const auto& t : targets)
    if (t.port == 0 || t.host.empty() || t.host == ".") std::abort();
  // Every target is a record's, and the records' priorities never go down along the list.
  int last_priority = -1;
  for (const auto& t : targets) {
    int priority = -1;
    for (const auto& r : records)
      if (r.target == t.host && r.port == t.port && (priority < 0 || r.priority < priority) && r.priority >= last_priority)
        priority = r.priority;
    if (priority < 0) std::abort();
    last_priority = priority;
  }
  return 0;
}
