// Messages for users with no available resource, kept until their next initial presence
// (RFC 6121 §8.5.2.2.1; XEP-0160). A message is committed before store() returns, so the
// sender's acknowledgement never runs ahead of the disk.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::offline {

struct OfflineMessage {
  std::int64_t id;
  std::chrono::system_clock::time_point stamp;  // when the server received it (XEP-0203)
  std::string stanza;                           // the serialized <message/>
};

class OfflineStore {
 public:
  // Brings the offline table up to date (the offline component's own migrations).
  OfflineStore(store::Database& db, std::size_t limit_per_user);

  // False when the user already holds limit_per_user messages (the sender gets an error).
  bool store(std::string_view user, std::string_view stanza, std::chrono::system_clock::time_point stamp);
  // The user's messages, oldest first.
  std::vector<OfflineMessage> pending(std::string_view user);
  // At most max of them with an id above after, oldest first (for handing over in batches).
  std::vector<OfflineMessage> pending(std::string_view user, std::int64_t after, std::size_t max);
  // Forgets the user's messages up to and including id, once they have been handed over.
  void remove_through(std::string_view user, std::int64_t id);
  std::size_t count(std::string_view user);
  // Messages stored for all users.
  std::size_t total();
  // Whether the user holds this message (serialized as it was stored).
  bool contains(std::string_view user, std::string_view stanza);
  // An account removed from the directory: all its messages go; how many went.
  std::size_t remove_users(const std::vector<std::string>& users);
  // Every user holding a message.
  std::vector<std::string> users();

 private:
  store::Database& db_;
  std::size_t limit_;
};

}  // namespace jabberadmin::offline
