// XEP-0115 entity capabilities: what each client resource can do, learnt from the <c/> in
// its presence. An unknown (hash, ver) is asked once with disco#info node='node#ver' to the
// resource that announced it; the answer is believed only if it hashes to ver (§5.4), then
// kept by (hash, ver) in memory and in the database, so that the next client with the same
// software costs nothing. PEP asks here who wants notifications of a node ('node+notify').
// The server's own capabilities (§6.3) are a <c/> stream feature after authentication,
// computed once every module has registered its disco features, and disco#info answers
// their node#ver.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "module/module.hpp"
#include "util/hooks.hpp"

namespace jabberadmin::caps {

// The node of the server's own capabilities: a URI naming the software.
inline constexpr std::string_view kServerNode = "urn:jabberadmin:cl-jabberd";

using Features = std::set<std::string, std::less<>>;

class EntityCaps final : public module::Module {
 public:
  explicit EntityCaps(module::Context& context);
  // Without a database (unit tests): the cache lives in memory only.
  EntityCaps(router::Router& router, store::Database* database);

  // The verified features of an available resource, or nullptr while unknown.
  const Features* features(const Jid& full) const;
  // Whether the resource asked for notifications of node (XEP-0163 §4.3.1: 'node+notify').
  bool wants_notify(const Jid& full, std::string_view node) const;
  // Called when a resource's features become known or change (PEP sends the last items).
  util::Registration on_known(std::function<void(const Jid& full)> observer) { return known_.add(std::move(observer)); }

  // The ver of the server's own capabilities once advertised ("" before).
  const std::string& server_ver() const noexcept { return server_ver_; }

  // Cache sizes, for tests and limits.
  std::size_t cached() const noexcept { return cache_.size(); }
  std::size_t pending() const noexcept { return pending_.size(); }

 private:
  struct Key {
    std::string hash, ver;
    auto operator<=>(const Key&) const = default;
  };
  struct Pending {
    Key key;
    std::string asked;  // the full JID asked: only its answer counts
  };
  void presence_changed(const Jid& full, const router::Resource& resource, const xml::Element* presence);
  void response(const xml::Element& iq);
  std::shared_ptr<const Features> lookup(const Key& key);
  void learn(const Key& key, Features features);
  void ask(const Jid& full, const Key& key, const std::string& node);
  void advertise_server(module::Context& context);

  router::Router& router_;
  store::Database* database_;
  std::map<Key, std::shared_ptr<const Features>> cache_;
  std::map<std::string, std::pair<Key, std::shared_ptr<const Features>>> resources_;  // full JID -> its caps
  std::map<std::string, Pending> pending_;  // query id -> what it asks
  std::uint64_t next_id_ = 0;
  util::Hooks<const Jid&> known_;
  util::Registration presence_, responses_, unbound_;
  std::string server_ver_;
  util::Registration server_feature_, server_node_;
  std::shared_ptr<int> alive_ = std::make_shared<int>();  // the posted advertisement checks it
};

}  // namespace jabberadmin::caps
