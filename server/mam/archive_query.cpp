#include "mam/archive_query.hpp"

#include <algorithm>
#include <charconv>

#include "stream/namespaces.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::mam {
namespace {
using ns::kDataForms;
using ns::kMam;
using ns::kRsm;

// Archive ids are ours (base64url, a few dozen characters at most): anything longer is
// no id of this archive, refused before it reaches a query.
constexpr std::size_t kMaxIdLength = 64;

QueryError bad(std::string text) { return {"bad-request", std::move(text)}; }

std::optional<QueryError> read_form(const xml::Element& form, ArchiveQuery& q) {
  for (const xml::Element& field : form.children()) {
    if (!field.is("field", kDataForms)) continue;
    const std::string var = field.attr_or("var");
    std::optional<std::string> value;
    for (const xml::Element& v : field.children())
      if (v.is("value", kDataForms)) {
        if (value) return bad("The field '" + var + "' has more than one value");
        value = v.text();
      }
    if (var == "FORM_TYPE") {
      if (value.value_or("") != kMam) return bad("The form is not of type urn:xmpp:mam:2");
      continue;
    }
    if (!value || value->empty()) continue;  // an empty field filters nothing
    if (var == "with") {
      q.with = Jid::parse(*value);
      if (!q.with || q.with->domain.empty()) return bad("The field 'with' is not a JID");
    } else if (var == "start" || var == "end") {
      const auto when = util::parse_xmpp_datetime(*value);
      if (!when) return bad("The field '" + var + "' is not a XEP-0082 date and time");
      (var == "start" ? q.start : q.end) = when;
    } else if (var == "after-id" || var == "before-id") {
      if (value->size() > kMaxIdLength) return {{"item-not-found", "No such message in the archive"}};
      (var == "after-id" ? q.after_id : q.before_id) = *value;
    } else {
      return bad("The field '" + var + "' is not supported");
    }
  }
  return std::nullopt;
}

std::optional<QueryError> read_rsm(const xml::Element& set, ArchiveQuery& q) {
  for (const xml::Element& c : set.children()) {
    if (!c.is_element()) continue;
    const std::string text = c.text();
    if (c.is("max", kRsm)) {
      std::size_t max = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return bad("<max/> is not a number from 0 to " + std::to_string(kMaxPage));
      q.max = std::min(max, kMaxPage);
    } else if (c.is("after", kRsm) || c.is("before", kRsm)) {
      if (text.size() > kMaxIdLength) return {{"item-not-found", "No such message in the archive"}};
      if (c.name() == "after") {
        if (text.empty()) return bad("<after/> needs an id");
        q.after = text;
      } else {
        q.before = text;
      }
    } else if (c.is("index", kRsm)) {
      return {{"feature-not-implemented", "Paging by index is not supported: use after or before"}};
    }
  }
  if (q.after && q.before) return bad("<after/> and <before/> together");
  return std::nullopt;
}

xml::Element field(std::string var, std::string type) {
  xml::Element f("field", std::string(kDataForms));
  f.set_attr("var", var);
  f.set_attr("type", type);
  return f;
}

}  // namespace

std::variant<ArchiveQuery, QueryError> parse_query(const xml::Element& query) {
  ArchiveQuery q;
  q.queryid = query.attr_or("queryid");
  if (q.queryid.size() > 256) return bad("The queryid is too long");
  bool form_seen = false, set_seen = false;
  for (const xml::Element& c : query.children()) {
    if (c.is("x", kDataForms)) {
      if (form_seen) return bad("More than one form");
      form_seen = true;
      if (auto error = read_form(c, q)) return *error;
    } else if (c.is("set", kRsm)) {
      if (set_seen) return bad("More than one <set/>");
      set_seen = true;
      if (auto error = read_rsm(c, q)) return *error;
    }
  }
  if (q.start && q.end && *q.start > *q.end) return bad("'start' is after 'end'");
  return q;
}

xml::Element query_form() {
  xml::Element x("x", std::string(kDataForms));
  x.set_attr("type", "form");
  x.add(field("FORM_TYPE", "hidden")).add(xml::Element("value", std::string(kDataForms))).add_text(kMam);
  x.add(field("with", "jid-single"));
  x.add(field("start", "text-single"));
  x.add(field("end", "text-single"));
  x.add(field("after-id", "text-single"));
  x.add(field("before-id", "text-single"));
  return x;
}

}  // namespace jabberadmin::mam
