#include "bookmarks/bookmarks.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "bookmarks/conversion.hpp"
#include "stream/namespaces.hpp"
#include "util/log.hpp"

namespace jabberadmin::bookmarks {
namespace {
const std::string kNode(ns::kBookmarks);
const std::string kStorage = "storage";
// The conversion's own writes to the node are not converted back.
constexpr auto kNoEcho = pep::Pep::Echo::No;
}  // namespace

pep::NodeConfig Bookmarks::node_config() {
  pep::NodeConfig config;
  config.access = pep::AccessModel::Whitelist;
  config.persist_items = true;
  config.max_items = pep::kMaxItemsPerNode;
  config.send_last_published = false;
  return config;
}

Bookmarks::Bookmarks(module::Context& context)
    : Bookmarks(context, context.require<pep::Pep>(), context.require<private_storage::PrivateStorage>()) {}

Bookmarks::Bookmarks(module::Context& context, pep::Pep& pep, private_storage::PrivateStorage& storage)
    : Module("bookmarks"), pep_(pep), storage_(storage) {
  using router::IqTarget;
  const std::string why = "a behaviour of private storage and PEP: the bookmarks module converts between them";
  registrations_.push_back(context.disco_feature(IqTarget::Account, std::string(ns::kBookmarksConversion), why));
  registrations_.push_back(context.disco_feature(IqTarget::Account, std::string(ns::kBookmarksCompat), why));
  registrations_.push_back(storage_.on_stored(std::string(ns::kBookmarksLegacy), [this](const Jid& account, const xml::Element& e) {
    if (e.name() == kStorage) to_pep(account, e);
  }));
  registrations_.push_back(pep_.on_changed(kNode, [this](const Jid& account) { to_private(account); }));
  migrate();
}

void Bookmarks::to_pep(const Jid& account, const xml::Element& storage) try {
  const std::string& name = account.local;
  const std::vector<Bookmark> wanted = from_storage(storage);
  const auto config = pep_.node_config(name, kNode);
  if (!config && wanted.empty()) return;
  // XEP-0411 §3: the rooms go only into a node the owner alone may read.
  if (config && config->access != pep::AccessModel::Whitelist)
    return log::warning("bookmarks: " + account.bare() + "'s " + kNode + " node is readable by others (" +
                        std::string(pep::to_string(config->access)) + "): private bookmarks not copied into it");
  if (const std::size_t max = config ? config->max_items : node_config().max_items; wanted.size() > max)
    return log::warning("bookmarks: " + account.bare() + " keeps " + std::to_string(wanted.size()) +
                        " rooms, more than its " + kNode + " node holds (" + std::to_string(max) + "): not copied");

  std::map<std::string, std::string> current;  // item id -> canonical conference ("" not one)
  if (config)
    for (const pep::Item& item : pep_.node_contents(name, kNode)) {
      const auto b = from_item(item.id, item.payload);
      current[item.id] = b ? canonical(*b) : std::string();
    }
  std::set<std::string> kept;
  std::size_t refused = 0;  // rooms PEP's limits kept out; the others still follow
  std::string why;
  for (const Bookmark& b : wanted) {
    kept.insert(b.jid);
    // XEP-0402 §7: no notification for a room that did not change.
    if (const auto it = current.find(b.jid); it != current.end() && it->second == xml::serialize(b.conference, ns::kClient))
      continue;
    if (std::string reason = pep_.publish_item(name, kNode, node_config(), pep::Item{b.jid, b.conference}, kNoEcho); !reason.empty()) {
      ++refused;
      why = std::move(reason);
    }
  }
  for (const auto& [id, conference] : current)
    if (!kept.contains(id)) pep_.retract_item(name, kNode, id, kNoEcho);
  if (refused > 0)
    log::warning("bookmarks: " + std::to_string(refused) + " of " + account.bare() + "'s rooms not copied into PEP: " + why);
} catch (const std::exception& e) {
  log::error("bookmarks: cannot copy " + account.bare() + "'s private bookmarks into PEP: " + e.what());
}

void Bookmarks::to_private(const Jid& account) try {
  std::vector<Bookmark> bookmarks;
  for (const pep::Item& item : pep_.node_contents(account.local, kNode))
    if (auto b = from_item(item.id, item.payload)) bookmarks.push_back(std::move(*b));
  std::reverse(bookmarks.begin(), bookmarks.end());  // the oldest first: the order they were added
  const auto old = storage_.stored(account, kStorage, ns::kBookmarksLegacy);
  if (!old && bookmarks.empty()) return;
  const xml::Element storage = merge(old ? &*old : nullptr, bookmarks);
  if (old && *old == storage) return;
  if (!storage_.store(account, storage))
    log::warning("bookmarks: " + account.bare() + "'s PEP bookmarks not copied into private storage: over its limit");
} catch (const std::exception& e) {
  log::error("bookmarks: cannot copy " + account.bare() + "'s PEP bookmarks into private storage: " + e.what());
}

void Bookmarks::migrate() try {
  for (const std::string& bare : storage_.accounts_with(kStorage, ns::kBookmarksLegacy)) {
    const auto account = Jid::parse(bare);
    if (!account || pep_.node_config(account->local, kNode)) continue;
    if (const auto stored = storage_.stored(*account, kStorage, ns::kBookmarksLegacy)) to_pep(*account, *stored);
  }
} catch (const std::exception& e) {
  log::error(std::string("bookmarks: cannot copy private bookmarks into PEP at start: ") + e.what());
}

}  // namespace jabberadmin::bookmarks
