#include "pep/pep_store.hpp"

#include <array>

#include "stream/namespaces.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::pep {
namespace {
constexpr std::array<std::string_view, 2> kMigrations{
    "CREATE TABLE pep_nodes (account TEXT NOT NULL, node TEXT NOT NULL, access_model TEXT NOT NULL,"
    " persist_items INTEGER NOT NULL, max_items INTEGER NOT NULL, send_last INTEGER NOT NULL,"
    " PRIMARY KEY (account, node))",
    // seq orders the items: a republished id moves to the front.
    "CREATE TABLE pep_items (account TEXT NOT NULL, node TEXT NOT NULL, id TEXT NOT NULL,"
    " payload TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (account, node, id))",
};

NodeConfig read_config(const store::Statement& st, int first) {
  NodeConfig c;
  c.access = access_model(st.text(first)).value_or(AccessModel::Presence);
  c.persist_items = st.integer(first + 1) != 0;
  c.max_items = static_cast<std::size_t>(st.integer(first + 2));
  c.send_last_published = st.integer(first + 3) != 0;
  return c;
}

std::optional<Item> read_item(const store::Statement& st) {
  auto payload = xml::parse_serialized(st.text(1), ns::kClient);
  if (!payload) return std::nullopt;  // a damaged row is skipped rather than served
  return Item{st.text(0), std::move(*payload)};
}
}  // namespace

PepStore::PepStore(store::Database& database) : db_(database) { db_.migrate("pep", kMigrations); }

std::optional<NodeConfig> PepStore::node(const std::string& account, const std::string& node) {
  auto st = db_.prepare(
      "SELECT access_model, persist_items, max_items, send_last FROM pep_nodes WHERE account = ?1 AND node = ?2");
  st.bind(1, account).bind(2, node);
  if (!st.step()) return std::nullopt;
  return read_config(st, 0);
}

std::vector<std::pair<std::string, NodeConfig>> PepStore::nodes(const std::string& account) {
  auto st = db_.prepare(
      "SELECT node, access_model, persist_items, max_items, send_last FROM pep_nodes WHERE account = ?1 ORDER BY node");
  st.bind(1, account);
  std::vector<std::pair<std::string, NodeConfig>> out;
  while (st.step()) out.emplace_back(st.text(0), read_config(st, 1));
  return out;
}

void PepStore::create(const std::string& account, const std::string& node, const NodeConfig& config) {
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO pep_nodes (account, node, access_model, persist_items, max_items, send_last)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st.bind(1, account).bind(2, node).bind(3, to_string(config.access));
  st.bind(4, std::int64_t{config.persist_items}).bind(5, static_cast<std::int64_t>(config.max_items));
  st.bind(6, std::int64_t{config.send_last_published});
  st.step();
}

void PepStore::configure(const std::string& account, const std::string& node, const NodeConfig& config) {
  store::Transaction t(db_);
  create(account, node, config);
  if (!config.persist_items) {
    // Items kept so far go; the newest stays as the node's last item, in memory.
    auto newest = items(account, node, 1);
    trim(account, node, 0);
    if (!newest.empty()) transient_[{account, node}] = std::move(newest.front());
  } else {
    transient_.erase({account, node});
    trim(account, node, config.max_items);
  }
  t.commit();
}

bool PepStore::remove(const std::string& account, const std::string& node) {
  store::Transaction t(db_);
  trim(account, node, 0);
  auto st = db_.prepare("DELETE FROM pep_nodes WHERE account = ?1 AND node = ?2");
  st.bind(1, account).bind(2, node);
  st.step();
  const bool removed = db_.changes() > 0;
  t.commit();
  transient_.erase({account, node});
  return removed;
}

void PepStore::publish(const std::string& account, const std::string& node, const NodeConfig& config,
                       const Item& item) {
  if (!config.persist_items) {
    transient_[{account, node}] = item;
    return;
  }
  store::Transaction t(db_);
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO pep_items (account, node, id, payload, seq) VALUES (?1, ?2, ?3, ?4,"
      " (SELECT COALESCE(MAX(seq), 0) + 1 FROM pep_items WHERE account = ?1 AND node = ?2))");
  st.bind(1, account).bind(2, node).bind(3, item.id).bind(4, xml::serialize(item.payload, ns::kClient));
  st.step();
  trim(account, node, config.max_items);
  t.commit();
}

void PepStore::trim(const std::string& account, const std::string& node, std::size_t max) {
  auto st = db_.prepare(
      "DELETE FROM pep_items WHERE account = ?1 AND node = ?2 AND id NOT IN"
      " (SELECT id FROM pep_items WHERE account = ?1 AND node = ?2 ORDER BY seq DESC LIMIT ?3)");
  st.bind(1, account).bind(2, node).bind(3, static_cast<std::int64_t>(max));
  st.step();
}

std::vector<Item> PepStore::items(const std::string& account, const std::string& node, std::size_t max) {
  std::vector<Item> out;
  if (const auto it = transient_.find({account, node}); it != transient_.end()) {
    if (max > 0) out.push_back(it->second);
    return out;
  }
  auto st = db_.prepare(
      "SELECT id, payload FROM pep_items WHERE account = ?1 AND node = ?2 ORDER BY seq DESC LIMIT ?3");
  st.bind(1, account).bind(2, node).bind(3, static_cast<std::int64_t>(max));
  while (st.step())
    if (auto item = read_item(st)) out.push_back(std::move(*item));
  return out;
}

std::optional<Item> PepStore::item(const std::string& account, const std::string& node, const std::string& id) {
  if (const auto it = transient_.find({account, node}); it != transient_.end())
    return it->second.id == id ? std::optional<Item>(it->second) : std::nullopt;
  auto st = db_.prepare("SELECT id, payload FROM pep_items WHERE account = ?1 AND node = ?2 AND id = ?3");
  st.bind(1, account).bind(2, node).bind(3, id);
  if (!st.step()) return std::nullopt;
  return read_item(st);
}

bool PepStore::retract(const std::string& account, const std::string& node, const std::string& id) {
  if (const auto it = transient_.find({account, node}); it != transient_.end() && it->second.id == id) {
    transient_.erase(it);
    return true;
  }
  auto st = db_.prepare("DELETE FROM pep_items WHERE account = ?1 AND node = ?2 AND id = ?3");
  st.bind(1, account).bind(2, node).bind(3, id);
  st.step();
  return db_.changes() > 0;
}

Usage PepStore::usage(const std::string& account, const std::string& node, const std::string& id) {
  auto st = db_.prepare(
      "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(payload AS BLOB))), 0) FROM pep_items"
      " WHERE account = ?1 AND NOT (node = ?2 AND id = ?3)");
  st.bind(1, account).bind(2, node).bind(3, id);
  Usage u;
  if (st.step()) u = Usage{static_cast<std::size_t>(st.integer(0)), static_cast<std::size_t>(st.integer(1))};
  // Transient nodes keep their last item in memory: it counts too (unless the publish is to
  // that node, whose last item it then replaces whatever its id).
  for (const auto& [key, item] : transient_)
    if (key.first == account && key.second != node) {
      ++u.items;
      u.bytes += xml::serialize(item.payload, ns::kClient).size();
    }
  return u;
}

void PepStore::purge(const std::string& account, const std::string& node) {
  trim(account, node, 0);
  transient_.erase({account, node});
}

std::vector<std::string> PepStore::accounts() {
  auto st = db_.prepare("SELECT DISTINCT account FROM pep_nodes");
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::size_t PepStore::purge(const std::string& account) {
  store::Transaction t(db_);
  std::size_t rows = 0;
  for (std::string_view sql : {"DELETE FROM pep_items WHERE account = ?1", "DELETE FROM pep_nodes WHERE account = ?1"}) {
    auto st = db_.prepare(sql);
    st.bind(1, account);
    st.step();
    rows += db_.changes();
  }
  t.commit();
  std::erase_if(transient_, [&](const auto& e) { return e.first.first == account; });
  return rows;
}

}  // namespace jabberadmin::pep
