// The last messages of a room, replayed to a newcomer (XEP-0045 §7.2.15): bounded in memory,
// each with the time it was said, and the newcomer's <history/> limits (maxstanzas,
// maxchars, seconds, since).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "xml/element.hpp"

namespace jabberadmin::muc {

// What a newcomer asked for; absent limits do not limit.
struct HistoryRequest {
  std::optional<std::size_t> max_stanzas, max_chars;
  std::optional<std::chrono::system_clock::time_point> since;  // from seconds= or since=
};

// Reads <history/> of a join's <x xmlns='…/muc'/> (null: the defaults). Nothing when an
// attribute is malformed (the caller answers bad-request).
std::optional<HistoryRequest> parse_history_request(const xml::Element* history,
                                                    std::chrono::system_clock::time_point now);

// One message as the room reflected it ('from' room/nick, no 'to') and when it was said.
struct HistoryEntry {
  xml::Element message;
  std::chrono::system_clock::time_point when;
};

class RoomHistory {
 public:
  explicit RoomHistory(std::size_t capacity) : capacity_(capacity) {}

  // message: as the room reflected it ('from' room/nick, no 'to').
  void add(xml::Element message, std::chrono::system_clock::time_point when);
  // The messages the request allows, oldest first, each with its <delay/> (from = room).
  std::vector<xml::Element> replay(const HistoryRequest& request, std::string_view room) const;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    xml::Element message;
    std::chrono::system_clock::time_point when;
    std::size_t chars;  // its serialized length, which maxchars counts
  };
  std::size_t capacity_;
  std::deque<Entry> entries_;
};

}  // namespace jabberadmin::muc
