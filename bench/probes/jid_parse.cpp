// A probe for the cost of parsing addresses: Jid::parse on the JIDs a chat message carries
// (a full 'from', a bare or full 'to', the server's own domain) and two with capitals and
// Cyrillic, N rounds; `jid_parse N ascii` leaves the Cyrillic one out. Run it under
// `valgrind --tool=callgrind` to count instructions, which do not depend on the machine's load.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "jabberadmin/jid.hpp"

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 100000;
  const bool ascii_only = argc > 2 && std::string_view(argv[2]) == "ascii";
  static constexpr std::string_view kJids[] = {
      "u17@s2s-a.bench/xmppload-17", "u18@s2s-b.bench", "u18@s2s-b.bench/xmppload-18", "s2s-b.bench",
      "Alice@Example.ORG/Gajim.x7Fq", "пётр@пример.рф/телефон"};
  std::size_t bytes = 0;
  for (long i = 0; i < rounds; ++i)
    for (const auto text : kJids)
      if (ascii_only && static_cast<unsigned char>(text.front()) >= 0x80) continue;
      else if (const auto jid = jabberadmin::Jid::parse(text)) bytes += jid->domain.size();
  std::printf("%ld rounds, %zu domain bytes\n", rounds, bytes);
  return bytes > 0 ? 0 : 1;
}
