// What both ends of a server-to-server stream write: the stream header in jabber:server
// (with the dialback prefix declared where dialback is allowed), stream errors, and stanzas moved between the client
// namespace the router speaks and the server namespace of the link.
#pragma once

#include <string>
#include <string_view>

#include "xml/element.hpp"

namespace jabberadmin::s2s {

// <stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' ...> with from,
// to and (answering a peer) id, each left out when empty. xmlns:db only with `dialback`:
// an older peer takes the declaration as the offer of dialback (XEP-0220, 2.1).
std::string stream_header(std::string_view from, std::string_view to, std::string_view id, bool dialback);
// A new stream id: 96 random bits in hex.
std::string new_stream_id();
// <stream:error> with the condition and an optional text, then </stream:stream>.
std::string stream_error(std::string_view condition, std::string_view text = {});
// A stanza as the router speaks it (jabber:client) serialized for the link: moved to
// jabber:server (renamespace), which is the link's default namespace.
std::string to_link(const xml::Element& stanza);
// element with every element in namespace `from` (the stanza and its <error/>) moved to `to`.
xml::Element renamespace(const xml::Element& element, std::string_view from, std::string_view to);

}  // namespace jabberadmin::s2s
