#include "mam/archive_answer.hpp"

#include <exception>
#include <optional>
#include <tuple>
#include <variant>

#include "mam/archive_query.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::mam {
namespace {

void select_and_send(router::Router& router, ArchiveStore& store, const stream::Stanza& iq, const ArchiveQuery& q,
                     const std::string& owner) {
  Selection s{.owner = owner, .start = q.start, .end = q.end, .max = q.max};
  if (q.with) {
    s.with_bare = q.with->bare();
    s.with_resource = q.with->resource;
  }
  Page page;
  try {
    // Every id named must be one of this archive's; the tighter bound of two wins.
    const auto at = [&](const std::optional<std::string>& id) -> std::optional<std::optional<Position>> {
      if (!id || id->empty()) return std::optional<Position>();
      if (auto p = store.position(owner, *id)) return p;
      return std::nullopt;
    };
    const auto after_id = at(q.after_id), before_id = at(q.before_id), after = at(q.after), before = at(q.before);
    if (!after_id || !before_id || !after || !before)
      return router.bounce(iq, "cancel", "item-not-found", "No such message in the archive");
    const auto later = [](const std::optional<Position>& a, const std::optional<Position>& b) {
      if (!a || !b) return a ? a : b;
      return std::tie(a->stamp, a->seq) > std::tie(b->stamp, b->seq) ? a : b;
    };
    const auto earlier = [](const std::optional<Position>& a, const std::optional<Position>& b) {
      if (!a || !b) return a ? a : b;
      return std::tie(a->stamp, a->seq) < std::tie(b->stamp, b->seq) ? a : b;
    };
    s.after = later(*after_id, *after);
    s.before = earlier(*before_id, *before);
    s.from_the_end = q.before.has_value();  // <before/>, empty or not: the page before it
    page = store.select(s);
  } catch (const std::exception& e) {
    log::error("mam: cannot read the archive of " + owner + ": " + e.what());
    return router.bounce(iq, "wait", "internal-server-error");
  }
  router::Resource* asking = router.find(iq.from());
  if (asking == nullptr || asking->session == nullptr) return;
  xml::Element result("message", std::string(ns::kClient));
  result.set_attr("from", owner);
  result.set_attr("to", iq.from().full());
  for (const ArchivedMessage& m : page.items) {
    xml::Element& r = result.children().emplace_back("result", std::string(ns::kMam));
    if (!q.queryid.empty()) r.set_attr("queryid", q.queryid);
    r.set_attr("id", m.id);
    xml::Element& forwarded = r.add(xml::Element("forwarded", std::string(ns::kForward)));
    forwarded.add(xml::Element("delay", std::string(ns::kDelay))).set_attr("stamp", util::xmpp_datetime(m.stamp));
    forwarded.add(xml::Element::raw(m.stanza));  // stored serialized with its xmlns: sent as it is
    asking->session->deliver(result);
    result.children().clear();
  }
  xml::Element reply = stream::iq_result(iq);
  xml::Element& fin = reply.add(xml::Element("fin", std::string(ns::kMam)));
  fin.set_attr("complete", page.complete ? "true" : "false");
  xml::Element& set = fin.add(xml::Element("set", std::string(ns::kRsm)));
  if (!page.items.empty()) {
    set.add(xml::Element("first", std::string(ns::kRsm))).add_text(page.items.front().id);
    set.add(xml::Element("last", std::string(ns::kRsm))).add_text(page.items.back().id);
  }
  router.reply(iq, reply);
}

}  // namespace

void answer_query(router::Router& router, ArchiveStore& store, const stream::Stanza& iq, const std::string& owner) {
  if (!iq.payload()->is("query", ns::kMam)) return router.bounce(iq, "cancel", "feature-not-implemented");
  if (iq.type() == "get") {
    xml::Element reply = stream::iq_result(iq);
    reply.add(xml::Element("query", std::string(ns::kMam))).add(query_form());
    return router.reply(iq, reply);
  }
  auto parsed = parse_query(*iq.payload());
  if (auto* error = std::get_if<QueryError>(&parsed))
    return router.bounce(iq, error->condition == "bad-request" ? "modify" : "cancel", error->condition, error->text);
  select_and_send(router, store, iq, std::get<ArchiveQuery>(parsed), owner);
}

}  // namespace jabberadmin::mam
