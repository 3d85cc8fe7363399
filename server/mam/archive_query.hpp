// A XEP-0313 query (urn:xmpp:mam:2) read from its <query/> element: the data form's
// filters (with, start, end, and the extended before-id/after-id) and XEP-0059 paging
// (max, after, before). Everything a client may send is checked here, before the archive
// is touched: a malformed value is a bad-request naming the field.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "jabberadmin/jid.hpp"
#include "mam/archive_store.hpp"
#include "xml/element.hpp"

namespace jabberadmin::mam {

// The largest page the server returns; a larger <max/> gets this many (XEP-0059 §2.1 lets
// the responder return fewer), and no <max/> gets kDefaultPage.
inline constexpr std::size_t kMaxPage = 250;
inline constexpr std::size_t kDefaultPage = 50;

struct ArchiveQuery {
  std::string queryid;               // echoed in every <result/>
  std::optional<Jid> with;           // bare or full
  std::optional<TimePoint> start, end;
  std::optional<std::string> after_id, before_id;  // the form's (mam:2#extended)
  std::size_t max = kDefaultPage;
  std::optional<std::string> after;   // RSM
  std::optional<std::string> before;  // RSM; empty: the last page
};

struct QueryError {
  std::string condition;  // a stanza error condition: bad-request
  std::string text;
};

std::variant<ArchiveQuery, QueryError> parse_query(const xml::Element& query);

// The form an iq get of the query answers with (XEP-0313 §4.1.1): the fields a query takes.
xml::Element query_form();

}  // namespace jabberadmin::mam
