// Which remote domains this server federates with (s2s, s2s_block, s2s_allow), and which
// undeliverable stanzas are answered with an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stream/stanza_view.hpp"

namespace jabberadmin::s2s {

struct DomainPolicy {
  std::vector<std::string> block;  // normalised domains, refused both ways
  std::vector<std::string> allow;  // empty: every domain not blocked

  // A domain is blocked together with its sub-domains (blocking example.org blocks
  // conference.example.org too); the allowlist names domains exactly.
  bool allows(std::string_view domain) const;
};

// RFC 6120 §10.4 and RFC 6121: a stanza that cannot reach its remote domain is answered
// with an error only when it is a message or an IQ request, or a subscription presence;
// never an error, an IQ result or other presence (which would only echo back and forth).
bool bounceable(const stream::Stanza& stanza);

}  // namespace jabberadmin::s2s
