#include "muc/room_history.hpp"

#include <charconv>

#include "stream/namespaces.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::muc {
namespace {

std::optional<std::size_t> count(const xml::Element& e, std::string_view name, bool& bad) {
  const auto text = e.attr(name);
  if (!text) return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size()) bad = true;
  return n;
}

}  // namespace

std::optional<HistoryRequest> parse_history_request(const xml::Element* history,
                                                    std::chrono::system_clock::time_point now) {
  HistoryRequest request;
  if (history == nullptr) return request;
  bool bad = false;
  request.max_stanzas = count(*history, "maxstanzas", bad);
  request.max_chars = count(*history, "maxchars", bad);
  if (const auto seconds = count(*history, "seconds", bad))
    request.since = now - std::chrono::seconds(std::min<std::size_t>(*seconds, 100LL * 365 * 86400));
  if (const auto since = history->attr("since")) {
    const auto when = util::parse_xmpp_datetime(*since);
    if (!when) return std::nullopt;
    // Both given: the later bound is the one both allow.
    if (!request.since || *when > *request.since) request.since = *when;
  }
  if (bad) return std::nullopt;
  return request;
}

void RoomHistory::add(xml::Element message, std::chrono::system_clock::time_point when) {
  if (capacity_ == 0) return;
  if (entries_.size() == capacity_) entries_.pop_front();
  const std::size_t chars = xml::serialize(message, ns::kClient).size();
  entries_.push_back(Entry{std::move(message), when, chars});
}

std::vector<xml::Element> RoomHistory::replay(const HistoryRequest& request, std::string_view room) const {
  // Newest first until a limit is reached, then turned around: the limits keep the latest.
  std::size_t first = entries_.size(), chars = 0;
  while (first > 0) {
    const Entry& e = entries_[first - 1];
    if (request.max_stanzas && entries_.size() - first >= *request.max_stanzas) break;
    if (request.since && e.when < *request.since) break;
    if (request.max_chars && chars + e.chars > *request.max_chars) break;
    chars += e.chars;
    --first;
  }
  std::vector<xml::Element> out;
  for (std::size_t i = first; i < entries_.size(); ++i) {
    xml::Element m = entries_[i].message;
    m.add(xml::Element("delay", std::string(ns::kDelay)))
        .set_attr("from", room)
        .set_attr("stamp", util::xmpp_datetime(entries_[i].when));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace jabberadmin::muc
