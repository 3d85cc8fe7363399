// XEP-0049 private XML storage (jabber:iq:private): each account keeps XML elements on the
// server, one per (element name, namespace), for its own resources only (bookmarks for
// mcabber and others, XEP-0048). Stored in SQLite (PrivateStore), within a per-account limit.
//
// Other modules can follow what is stored in one namespace (on_stored), read and write an
// account's elements themselves: the bookmarks module (XEP-0411) mirrors storage:bookmarks
// into PEP and back.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "module/module.hpp"
#include "private/private_store.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::private_storage {

// An element the account (bare JID) has just stored, after its transaction committed.
using StoredObserver = std::function<void(const Jid& account, const xml::Element& element)>;

// Namespaces nothing may be stored in: none at all (the element would be in
// jabber:iq:private itself), the stream's and the stanzas' (jabber:client, jabber:server,
// the streams namespace), and those XEP-0049 calls reserved (jabber:*, http://jabber.org/*,
// vcard-temp), which is the optional refusal the XEP allows.
bool reserved_namespace(std::string_view xmlns);

class PrivateStorage final : public module::Module {
 public:
  static constexpr std::size_t kDefaultLimit = 256 * 1024;  // bytes per account

  explicit PrivateStorage(module::Context& context) : PrivateStorage(context, kDefaultLimit) {}
  PrivateStorage(module::Context& context, std::size_t limit_per_account);

  // observer hears of every element stored in namespace xmlns, once it is committed.
  util::Registration on_stored(std::string xmlns, StoredObserver observer);

  // What account (bare JID) keeps as (name, xmlns); throws when it cannot be read.
  std::optional<xml::Element> stored(const Jid& account, std::string_view name, std::string_view xmlns);
  // Stores element for account, as the account's own set would, within its limit (false:
  // over it, nothing changed). on_stored observers do not hear of it: a module's own write
  // does not echo back to it.
  bool store(const Jid& account, const xml::Element& element);
  // The accounts (bare JIDs) that keep an element (name, xmlns).
  std::vector<std::string> accounts_with(std::string_view name, std::string_view xmlns);

 private:
  void handle(router::Router& router, const xml::Element& iq);
  void get(router::Router& router, const xml::Element& iq, const std::string& bare, const xml::Element& wanted);

  PrivateStore store_;
  std::map<std::string, util::Hooks<const Jid&, const xml::Element&>, std::less<>> observers_;
  module::Registration handler_, kept_;
};

}  // namespace jabberadmin::private_storage
