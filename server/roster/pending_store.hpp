// Subscription requests waiting for the user's answer (RFC 6121 §3.1.3 "pending in"): the
// complete stanza, kept in the server's database until the user approves or denies it or
// the contact withdraws it, and shown again at every login until then.
//
// The table is created here (IF NOT EXISTS) rather than in store/'s migration list, so the
// roster module adds its state without renumbering the schema other features extend.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::roster {

struct PendingRequest {
  std::string from;    // the contact's bare JID
  std::string stanza;  // serialized with xml::serialize(stanza, "jabber:client")
};

class PendingStore {
 public:
  explicit PendingStore(store::Database& db);

  bool contains(std::string_view user, std::string_view from);
  void put(std::string_view user, std::string_view from, std::string_view stanza);  // replaces
  void remove(std::string_view user, std::string_view from);
  std::vector<PendingRequest> requests(std::string_view user);  // oldest first

 private:
  store::Database& db_;
};

}  // namespace jabberadmin::roster
