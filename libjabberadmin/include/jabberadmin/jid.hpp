// JIDs (RFC 7622): parsing and normalisation, with libidn's XMPP stringprep profiles
// (nodeprep, resourceprep) and libidn2 for domain names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jabberadmin {

// Normalises a JID localpart (a user name): case-folded, NFKC, and refused, with an error
// that names the offending character, when empty, too long or holding a character RFC 7622
// forbids there (" & ' / : < > @", spaces, controls, ...). Throws Error(InvalidArgument).
std::string normalize_localpart(std::string_view localpart);
// XEP-0106 JID escaping: the characters a localpart may not hold (space " & ' / : < > @)
// become "\20", "\22", ...; a backslash becomes "\5c" only where it starts something that
// reads as such an escape, as the XEP says. Everything else is left as it is.
std::string escape_localpart(std::string_view text);
// The localpart of a directory group's room (cl-jabberd(8)): the group name escaped as
// above, then normalised; "Отдел продаж" -> "отдел\20продаж". Throws Error(InvalidArgument)
// for a name that still is no valid localpart (a control character, too long).
std::string group_room_localpart(std::string_view group);
// Normalises a domain name (IDNA 2008 via libidn2; kept in Unicode form, lower case).
std::string normalize_domain(std::string_view domain);
// Normalises a resourcepart (resourceprep); throws Error(InvalidArgument).
std::string normalize_resource(std::string_view resource);

struct Jid {
  std::string local;     // may be empty
  std::string domain;
  std::string resource;  // may be empty

  // Parses and normalises "local@domain/resource"; nothing when it is not a valid JID.
  static std::optional<Jid> parse(std::string_view text);
  // Splits a JID that is normalised already (one the server stamped, stored or made from
  // the directory) the way parse() does, without preparing its parts again: the resource
  // after the first '/', the localpart before the first '@' of the rest; no '@', a domain.
  // Text from outside goes through parse().
  static Jid split_normalized(std::string_view text);

  std::string bare() const;  // local@domain (or domain)
  std::string full() const;  // bare + "/resource" when there is one
  bool is_bare() const { return resource.empty(); }
  Jid to_bare() const { return Jid{local, domain, {}}; }
  friend bool operator==(const Jid&, const Jid&) = default;
};

}  // namespace jabberadmin
