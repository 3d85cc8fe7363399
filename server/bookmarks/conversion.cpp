#include "bookmarks/conversion.hpp"

#include <set>

#include "jabberadmin/jid.hpp"
#include "stream/namespaces.hpp"

namespace jabberadmin::bookmarks {
namespace {
using ns::kBookmarks;
using ns::kBookmarksLegacy;

bool truth(std::string_view value) { return value == "true" || value == "1"; }

xml::Element text_element(std::string name, std::string xmlns, std::string_view text) {
  xml::Element e(std::move(name), std::move(xmlns));
  e.add_text(text);
  return e;
}

// The XEP-0402 conference from a XEP-0048 one, whose jid is already checked.
xml::Element modern(const xml::Element& legacy) {
  xml::Element c("conference", std::string(kBookmarks));
  if (const auto name = legacy.attr("name")) c.set_attr("name", *name);
  if (truth(legacy.attr_or("autojoin"))) c.set_attr("autojoin", "true");
  xml::Element extensions("extensions", std::string(kBookmarks));
  for (const xml::Element& child : legacy.children()) {
    if (!child.is_element()) continue;
    if (child.is("nick", kBookmarksLegacy) || child.is("password", kBookmarksLegacy)) {
      if (!c.child(child.name(), kBookmarks)) c.add(text_element(child.name(), std::string(kBookmarks), child.text()));
    } else {
      extensions.add(child);
    }
  }
  if (extensions.element_count() > 0) c.add(std::move(extensions));
  return c;
}
}  // namespace

std::optional<std::string> room_jid(std::string_view text) {
  const auto jid = Jid::parse(text);
  if (!jid || !jid->is_bare()) return std::nullopt;
  return jid->bare();
}

std::vector<Bookmark> from_storage(const xml::Element& storage) {
  std::vector<Bookmark> out;
  std::set<std::string> seen;
  for (const xml::Element& c : storage.children()) {
    if (!c.is("conference", kBookmarksLegacy)) continue;
    const auto jid = room_jid(c.attr_or("jid"));
    if (!jid || !seen.insert(*jid).second) continue;
    out.push_back({*jid, modern(c)});
  }
  return out;
}

std::optional<Bookmark> from_item(std::string_view id, const xml::Element& payload) {
  const auto jid = room_jid(id);
  if (!jid || !payload.is("conference", kBookmarks)) return std::nullopt;
  return Bookmark{*jid, payload};
}

xml::Element legacy_conference(const Bookmark& bookmark) {
  xml::Element c("conference", std::string(kBookmarksLegacy));
  c.set_attr("jid", bookmark.jid);
  if (const auto name = bookmark.conference.attr("name")) c.set_attr("name", *name);
  c.set_attr("autojoin", truth(bookmark.conference.attr_or("autojoin")) ? "true" : "false");
  for (const char* field : {"nick", "password"})
    if (const xml::Element* e = bookmark.conference.child(field, kBookmarks))
      c.add(text_element(field, std::string(kBookmarksLegacy), e->text()));
  if (const xml::Element* extensions = bookmark.conference.child("extensions", kBookmarks))
    for (const xml::Element& e : extensions->children())
      if (e.is_element()) c.add(e);
  return c;
}

std::string canonical(const Bookmark& bookmark) {
  return xml::serialize(modern(legacy_conference(bookmark)), ns::kClient);
}

xml::Element merge(const xml::Element* old_storage, const std::vector<Bookmark>& bookmarks) {
  xml::Element storage("storage", std::string(kBookmarksLegacy));
  if (old_storage)
    for (const xml::Element& e : old_storage->children())
      if (e.is_element() && !(e.is("conference", kBookmarksLegacy) && room_jid(e.attr_or("jid")))) storage.add(e);
  for (const Bookmark& b : bookmarks) storage.add(legacy_conference(b));
  return storage;
}

}  // namespace jabberadmin::bookmarks
