// XEP-0115 §5: the verification string of a disco#info answer and its hash ('ver'), and the
// §5.4 checks a client's answer must pass before its features are believed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jabberadmin::caps {

// The §5.1 verification string of a <query xmlns='http://jabber.org/protocol/disco#info'/>,
// or nothing when §5.4 says the answer is ill-formed: an identity or a feature twice, two
// extended-information forms with the same FORM_TYPE, a FORM_TYPE with different values,
// or a field named twice in one form (XEP-0004 §3.2).
// A form without a hidden FORM_TYPE is left out (§5.4 3.6).
std::optional<std::string> verification_string(const xml::Element& query);

// base64 of the hash of the verification string: what a client's 'ver' must be. Nothing when
// the hash function is one we do not know (we know "sha-1" and "sha-256") or the query
// cannot be verified.
std::optional<std::string> ver(const xml::Element& query, std::string_view hash);

}  // namespace jabberadmin::caps
