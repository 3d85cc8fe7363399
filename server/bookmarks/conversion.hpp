// The two forms of a bookmarked chat room and the conversion between them (XEP-0411 on
// XEP-0402 §7): one <storage xmlns='storage:bookmarks'/> of XEP-0048 kept in private XML
// storage, holding every <conference jid='...'/> and <url/>, and one PEP item per room in
// urn:xmpp:bookmarks:1, its id the room's JID. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "xml/element.hpp"

namespace jabberadmin::bookmarks {

// A room as XEP-0402 has it: the item id and its <conference xmlns='urn:xmpp:bookmarks:1'/>.
struct Bookmark {
  std::string jid;
  xml::Element conference;
};

// The room JID a bookmark may have: a bare JID, normalised; nullopt for anything else.
std::optional<std::string> room_jid(std::string_view text);

// The rooms of a XEP-0048 storage element, in its order, one per room JID (the first wins).
// A conference with no JID or an invalid one has no XEP-0402 form and is left out: it stays
// in the private copy only (merge keeps it). Attributes XEP-0402 does not know are lost;
// child elements other than <nick/> and <password/> go into <extensions/>.
std::vector<Bookmark> from_storage(const xml::Element& storage);

// An item of urn:xmpp:bookmarks:1 as a Bookmark; nullopt when its id is no room JID or its
// payload is not a XEP-0402 <conference/>.
std::optional<Bookmark> from_item(std::string_view id, const xml::Element& payload);

// The XEP-0048 <conference/> of a bookmark: jid, name, autojoin, nick, password, and the
// children of <extensions/> as its own children (from_storage takes them back).
xml::Element legacy_conference(const Bookmark& bookmark);

// The bookmark in the form from_storage gives, to tell a real change from another spelling
// ("1" or "true", an empty <extensions/>).
std::string canonical(const Bookmark& bookmark);

// The storage element for private storage: from the old one (if any) whatever XEP-0402
// cannot hold (the <url/> elements, conferences without a valid JID, unknown elements), then
// one conference per bookmark.
xml::Element merge(const xml::Element* old_storage, const std::vector<Bookmark>& bookmarks);

}  // namespace jabberadmin::bookmarks
