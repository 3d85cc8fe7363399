// libFuzzer target for XEP-0313 queries: every <query/> the bytes hold read by
// mam::parse_query, as the server reads a client's. Invariants:
//   - a query accepted has a page size within the server's maximum, start not after end,
//     and ids no longer than an archive id can be;
//   - a refusal names a stanza error condition;
//   - the dates it accepts (unless clamped to the clock's ends) read back from the
//     XEP-0082 form xmpp_datetime writes, to the millisecond it keeps.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "elements.hpp"
#include "mam/archive_query.hpp"
#include "util/utc_time.hpp"

using namespace jabberadmin;

namespace {
void check_date(const std::optional<mam::TimePoint>& when) {
  if (!when || *when == mam::TimePoint::min() || *when == mam::TimePoint::max()) return;  // clamped
  const auto again = util::parse_xmpp_datetime(util::xmpp_datetime(*when));
  if (!again || *again != std::chrono::floor<std::chrono::milliseconds>(*when)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The bytes as a date on their own, too.
  check_date(util::parse_xmpp_datetime(bytes));
  for (const xml::Element& stanza : fuzz::elements_of(bytes)) {
    fuzz::each_element(stanza, [&](const xml::Element& e) {
      if (e.name() != "query") return;
      const auto parsed = mam::parse_query(e);
      if (const auto* error = std::get_if<mam::QueryError>(&parsed)) {
        if (error->condition != "bad-request" && error->condition != "item-not-found" &&
            error->condition != "feature-not-implemented")
          std::abort();
        return;
      }
      const auto& q = std::get<mam::ArchiveQuery>(parsed);
      if (q.max > mam::kMaxPage) std::abort();
      if (q.start && q.end && *q.start > *q.end) std::abort();
      for (const auto* id : {&q.after, &q.before, &q.after_id, &q.before_id})
        if (*id && (*id)->size() > 64) std::abort();
      check_date(q.start);
      check_date(q.end);
    });
  }
  return 0;
}
