#include "mam/archive_store.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "jabberadmin/encoding.hpp"
#include "util/log.hpp"

namespace jabberadmin::mam {
namespace {

// Only ever appended to. seq is the rowid (AUTOINCREMENT: never reused, so the order of
// arrival survives pruning); the two secondary indexes end with it implicitly, so a
// query ordered by (stamp, seq) reads an index in order and sorts nothing.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE mam_archive (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         owner TEXT NOT NULL,
         id TEXT NOT NULL,
         stamp INTEGER NOT NULL,
         with_bare TEXT NOT NULL,
         with_resource TEXT NOT NULL,
         direction INTEGER NOT NULL,
         stanza TEXT NOT NULL);
       CREATE UNIQUE INDEX mam_archive_id ON mam_archive(owner, id);
       CREATE INDEX mam_archive_time ON mam_archive(owner, stamp);
       CREATE INDEX mam_archive_with ON mam_archive(owner, with_bare, stamp);
       CREATE TABLE mam_prefs (
         owner TEXT PRIMARY KEY,
         default_policy TEXT NOT NULL,
         always TEXT NOT NULL,
         never TEXT NOT NULL);)",
};

std::int64_t micros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
TimePoint from_micros(std::int64_t m) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(m)));
}

std::string joined(const std::vector<std::string>& jids) {
  std::string out;
  for (const auto& j : jids) out += j + "\n";
  return out;
}
std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// The four shapes a page query takes (with or without 'with', forwards or from the end):
// every other condition is always there, open bounds given as the extreme values, so each
// shape is one kept statement.
std::string_view page_sql(bool with, bool from_the_end) {
#define JA_MAM_WHERE(WITH)                                                                     \
  "SELECT id, stamp, with_bare, direction, stanza, seq FROM mam_archive "                      \
  "WHERE owner = ?1" WITH " AND stamp BETWEEN ?4 AND ?5 AND (stamp, seq) > (?6, ?7) "          \
  "AND (stamp, seq) < (?8, ?9) "
#define JA_MAM_WITH " AND with_bare = ?2 AND (?3 = '' OR with_resource = ?3)"
#define JA_MAM_ANY " AND ?2 = ?2 AND ?3 = ?3"
  static constexpr std::string_view kSql[2][2] = {
      {JA_MAM_WHERE(JA_MAM_ANY) "ORDER BY stamp, seq LIMIT ?10",
       JA_MAM_WHERE(JA_MAM_ANY) "ORDER BY stamp DESC, seq DESC LIMIT ?10"},
      {JA_MAM_WHERE(JA_MAM_WITH) "ORDER BY stamp, seq LIMIT ?10",
       JA_MAM_WHERE(JA_MAM_WITH) "ORDER BY stamp DESC, seq DESC LIMIT ?10"},
  };
#undef JA_MAM_WHERE
#undef JA_MAM_WITH
#undef JA_MAM_ANY
  return kSql[with ? 1 : 0][from_the_end ? 1 : 0];
}

}  // namespace

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::Always: return "always";
    case Policy::Roster: return "roster";
    case Policy::Never: return "never";
  }
  return "always";
}

std::optional<Policy> policy(std::string_view text) {
  for (Policy p : {Policy::Always, Policy::Roster, Policy::Never})
    if (text == to_string(p)) return p;
  return std::nullopt;
}

ArchiveStore::ArchiveStore(store::Database& db)
    : db_(db),
      appends_(db, [this](const Append& a) { insert(a); },
               [](std::size_t rows, const std::string& error) {
                 log::error("mam: " + std::to_string(rows) + " archived messages could not be written: " + error);
               }) {
  db_.migrate("mam", kMigrations);
}

void ArchiveStore::write_behind(boost::asio::any_io_executor executor) { appends_.start(std::move(executor)); }

void ArchiveStore::flush() { appends_.flush(); }

void ArchiveStore::append(std::string_view owner, const ArchivedMessage& m) { appends_.add({std::string(owner), m}); }

void ArchiveStore::insert(const Append& a) {
  const ArchivedMessage& m = a.message;
  // The other party's resource, kept apart so that 'with' a full JID finds it.
  const auto slash = m.with.find('/');
  const std::string_view with(m.with);
  db_.prepare(
         "INSERT INTO mam_archive(owner, id, stamp, with_bare, with_resource, direction, stanza) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, a.owner)
      .bind(2, m.id)
      .bind(3, micros(m.stamp))
      .bind(4, with.substr(0, slash))
      // "" and not an empty view: one without data would be bound as NULL.
      .bind(5, slash == std::string_view::npos ? std::string_view("") : with.substr(slash + 1))
      .bind(6, static_cast<std::int64_t>(m.direction))
      .bind(7, m.stanza)
      .step();
}

std::optional<Position> ArchiveStore::position(std::string_view owner, std::string_view id) {
  flush();
  auto st = db_.prepare("SELECT stamp, seq FROM mam_archive WHERE owner = ? AND id = ?");
  st.bind(1, owner).bind(2, id);
  if (!st.step()) return std::nullopt;
  return Position{st.integer(0), st.integer(1)};
}

Page ArchiveStore::select(const Selection& s) {
  flush();
  constexpr std::int64_t kLow = INT64_MIN, kHigh = INT64_MAX;
  auto st = db_.prepare(page_sql(!s.with_bare.empty(), s.from_the_end));
  const Position after = s.after.value_or(Position{kLow, kLow});
  const Position before = s.before.value_or(Position{kHigh, kHigh});
  // The time bounds narrow the index range; the positions then cut within it.
  const std::int64_t low = std::max(s.start ? micros(*s.start) : kLow, after.stamp);
  const std::int64_t high = std::min(s.end ? micros(*s.end) : kHigh, before.stamp);
  st.bind(1, s.owner)
      .bind(2, s.with_bare)
      .bind(3, s.with_resource)
      .bind(4, low)
      .bind(5, high)
      .bind(6, after.stamp)
      .bind(7, after.seq)
      .bind(8, before.stamp)
      .bind(9, before.seq)
      .bind(10, static_cast<std::int64_t>(s.max + 1));  // one more: is there anything beyond?
  Page page;
  while (st.step()) {
    if (page.items.size() == s.max) {
      page.complete = false;
      break;
    }
    page.items.push_back({st.text(0), from_micros(st.integer(1)), st.text(2),
                          st.integer(3) == 0 ? Direction::Incoming : Direction::Outgoing, st.text(4)});
  }
  if (s.from_the_end) std::reverse(page.items.begin(), page.items.end());
  return page;
}

std::optional<Preferences> ArchiveStore::preferences(std::string_view owner) {
  auto st = db_.prepare("SELECT default_policy, always, never FROM mam_prefs WHERE owner = ?");
  st.bind(1, owner);
  if (!st.step()) return std::nullopt;
  return Preferences{policy(st.text(0)).value_or(Policy::Always), split(st.text(1)), split(st.text(2))};
}

void ArchiveStore::set_preferences(std::string_view owner, const Preferences& p) {
  db_.prepare("INSERT OR REPLACE INTO mam_prefs(owner, default_policy, always, never) VALUES (?, ?, ?, ?)")
      .bind(1, owner)
      .bind(2, to_string(p.default_policy))
      .bind(3, joined(p.always))
      .bind(4, joined(p.never))
      .step();
}

std::size_t ArchiveStore::prune(TimePoint cutoff, std::size_t batch) {
  flush();
  // Only the oldest rows by arrival are looked at: archiving times follow arrival, so the
  // expired ones are at the front, and a prune never scans the whole table.
  db_.prepare(
         "DELETE FROM mam_archive WHERE seq IN (SELECT seq FROM "
         "(SELECT seq, stamp FROM mam_archive ORDER BY seq LIMIT ?) WHERE stamp < ?)")
      .bind(1, static_cast<std::int64_t>(batch))
      .bind(2, micros(cutoff))
      .step();
  return db_.changes();
}

std::vector<std::string> ArchiveStore::owners() {
  flush();
  std::vector<std::string> out;
  auto st = db_.prepare("SELECT DISTINCT owner FROM mam_archive UNION SELECT owner FROM mam_prefs");
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::size_t ArchiveStore::remove_owners(const std::vector<std::string>& owners) {
  flush();
  std::size_t removed = 0;
  store::Transaction transaction(db_);
  for (const auto& owner : owners) {
    db_.prepare("DELETE FROM mam_archive WHERE owner = ?").bind(1, owner).step();
    removed += db_.changes();
    db_.prepare("DELETE FROM mam_prefs WHERE owner = ?").bind(1, owner).step();
    removed += db_.changes();
  }
  transaction.commit();
  return removed;
}

std::size_t ArchiveStore::count(std::string_view owner) {
  flush();
  auto st = db_.prepare("SELECT count(*) FROM mam_archive WHERE owner = ?");
  st.bind(1, owner).step();
  return static_cast<std::size_t>(st.integer(0));
}

std::string new_archive_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an archive id");
  std::string id = encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  for (char& c : id) c = c == '+' ? '-' : c == '/' ? '_' : c;  // base64url: 12 bytes, no padding
  return id;
}

}  // namespace jabberadmin::mam
