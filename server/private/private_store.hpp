// XEP-0049 private XML storage in SQLite: one serialized element per (account, element
// name, namespace), and a limit on the bytes one account keeps.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace jabberadmin::private_storage {

struct PrivateItem {
  std::string name;
  std::string xmlns;
  std::string data;  // the element as xml::serialize writes it inside jabber:iq:private
};

class PrivateStore {
 public:
  // Brings the private_storage table up to date (the "private" migrations).
  PrivateStore(store::Database& db, std::size_t limit_per_account);

  std::optional<std::string> get(std::string_view account, std::string_view name, std::string_view xmlns);
  // Stores every item (replacing what was kept under its name and namespace) in one
  // transaction, or none of them: false, and nothing changed, when the account's items
  // would then take more than the limit.
  bool set(std::string_view account, const std::vector<PrivateItem>& items);
  // The accounts keeping an item (name, xmlns).
  std::vector<std::string> accounts(std::string_view name, std::string_view xmlns);
  // Bytes the account's items take.
  std::size_t used(std::string_view account);
  std::size_t limit() const noexcept { return limit_; }

 private:
  store::Database& db_;
  std::size_t limit_;
};

}  // namespace jabberadmin::private_storage
