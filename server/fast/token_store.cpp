#include "fast/token_store.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::fast {
namespace {

// Only ever appended to.
constexpr std::string_view kMigrations[] = {
    R"(CREATE TABLE fast_tokens (
         account TEXT NOT NULL,
         client TEXT NOT NULL,
         slot TEXT NOT NULL CHECK (slot IN ('new', 'current')),
         mechanism TEXT NOT NULL,
         key TEXT NOT NULL,
         credentials TEXT NOT NULL,
         expires INTEGER NOT NULL,
         PRIMARY KEY (account, client, slot)) WITHOUT ROWID;)",
};

constexpr std::size_t kTokenBytes = 51;  // 408 bits; base64 without padding, 68 characters

std::int64_t seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::time_point from_seconds(std::int64_t s) { return Clock::time_point(std::chrono::seconds(s)); }

std::string random_token() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for a FAST token");
  return encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

std::string credentials_stamp(std::string_view password_stamp, std::string_view uuid) {
  std::string both(password_stamp);
  both += '\0';
  both += uuid;
  return encoding::hex(encoding::sha256(both));
}

TokenStore::TokenStore(store::Database& db) : db_(db) { db_.migrate("fast", kMigrations); }

Issued TokenStore::issue(const TokenUse& use, Clock::time_point expires) {
  Issued issued{random_token(), expires};
  db_.prepare(
         "INSERT OR REPLACE INTO fast_tokens(account, client, slot, mechanism, key, credentials, expires) "
         "VALUES (?, ?, 'new', ?, ?, ?, ?)")
      .bind(1, use.account)
      .bind(2, use.client)
      .bind(3, mechanism_name(use.mechanism))
      .bind(4, encoding::base64_encode(token_key(issued.token)))
      .bind(5, use.credentials)
      .bind(6, seconds(expires))
      .step();
  return issued;
}

std::optional<Accepted> TokenStore::accept(const TokenUse& use, std::string_view cb_data, std::string_view proof,
                                           Clock::time_point now) {
  struct Row {
    std::string slot, mechanism, key, credentials;
    std::int64_t expires;
  };
  std::vector<Row> rows;
  {
    // "new" sorts before "current" descending: the token issued last is tried first.
    auto query = db_.prepare(
        "SELECT slot, mechanism, key, credentials, expires FROM fast_tokens WHERE account = ? AND client = ? "
        "ORDER BY slot DESC");
    query.bind(1, use.account).bind(2, use.client);
    while (query.step())
      rows.push_back({query.text(0), query.text(1), query.text(2), query.text(3), query.integer(4)});
  }
  for (const Row& row : rows) {
    if (row.expires <= seconds(now) || row.mechanism != mechanism_name(use.mechanism) ||
        row.credentials != use.credentials)
      continue;
    const auto key = encoding::base64_decode(row.key);
    if (!key || !proof_matches(*key, cb_data, proof)) continue;
    if (row.slot == "new") {
      // The new token is in use: the one before it goes (XEP-0484 §5). OR REPLACE removes
      // the old "current" row the new one collides with, in the same atomic statement.
      db_.prepare(
             "UPDATE OR REPLACE fast_tokens SET slot = 'current' WHERE account = ? AND client = ? AND slot = 'new'")
          .bind(1, use.account)
          .bind(2, use.client)
          .step();
    }
    return Accepted{*key, from_seconds(row.expires)};
  }
  return std::nullopt;
}

void TokenStore::invalidate(std::string_view account, std::string_view client) {
  db_.prepare("DELETE FROM fast_tokens WHERE account = ? AND client = ?").bind(1, account).bind(2, client).step();
}

std::size_t TokenStore::revoke(std::string_view account) {
  db_.prepare("DELETE FROM fast_tokens WHERE account = ?").bind(1, account).step();
  return db_.changes();
}

std::size_t TokenStore::purge(Clock::time_point now) {
  db_.prepare("DELETE FROM fast_tokens WHERE expires <= ?").bind(1, seconds(now)).step();
  return db_.changes();
}

std::vector<std::string> TokenStore::accounts() {
  std::vector<std::string> names;
  auto query = db_.prepare("SELECT DISTINCT account FROM fast_tokens ORDER BY account");
  while (query.step()) names.push_back(query.text(0));
  return names;
}

}  // namespace jabberadmin::fast
