// XEP-0411 bookmarks conversion, towards XEP-0402 (urn:xmpp:bookmarks:1#compat): clients
// that keep XEP-0048 bookmarks in private XML storage (mcabber, profanity) and those that
// keep one PEP item per room (Conversations, Dino, Gajim) see the same rooms.
//
// - storage:bookmarks stored in private storage: the account's urn:xmpp:bookmarks:1 node is
//   made to match, publishing the rooms new or changed and retracting those gone, notified
//   as PEP notifies; the node is created as XEP-0402 asks (whitelist: the owner alone).
// - A client publishes to, retracts from, purges or deletes that node, or another module
//   publishes or retracts on the account's behalf (a group room's bookmark): the private
//   copy is rewritten from the node's items, keeping what XEP-0402 cannot hold (<url/>s,
//   conferences without a valid JID).
// Each side's write on behalf of the conversion does not reach the other's observers, so
// nothing loops. At start, an account with private bookmarks and no node gets one, so PEP
// clients see them before their first change (XEP-0411 §3).
#pragma once

#include <vector>

#include "module/module.hpp"
#include "pep/pep.hpp"
#include "private/private_storage.hpp"

namespace jabberadmin::bookmarks {

class Bookmarks final : public module::Module {
 public:
  explicit Bookmarks(module::Context& context);
  Bookmarks(module::Context& context, pep::Pep& pep, private_storage::PrivateStorage& storage);

  // The node's configuration when the conversion creates it (XEP-0402's publish-options).
  static pep::NodeConfig node_config();

 private:
  // Private storage -> PEP.
  void to_pep(const Jid& account, const xml::Element& storage);
  // PEP -> private storage.
  void to_private(const Jid& account);
  // The start-up copy of private bookmarks into accounts that have no node yet.
  void migrate();

  pep::Pep& pep_;
  private_storage::PrivateStorage& storage_;
  std::vector<module::Registration> registrations_;
};

}  // namespace jabberadmin::bookmarks
