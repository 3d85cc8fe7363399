// Where a remote domain's server is (RFC 6120 §3.2): the static route map first, then the
// DNS SRV records _xmpp-server._tcp.<domain>, else the domain itself on port 5269 (its
// A/AAAA records, looked up when connecting). The SRV query blocks in libresolv, so it runs
// on a thread of its own and the answer comes back on the io executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jabberadmin/settings.hpp"

namespace jabberadmin::s2s {

struct Target {
  std::string host;
  std::uint16_t port = 5269;
  friend bool operator==(const Target&, const Target&) = default;
};

// An SRV answer's records, as the wire gives them.
struct SrvRecord {
  std::uint16_t priority = 0, weight = 0, port = 0;
  std::string target;
};
// The records of a DNS answer (RFC 1035 message) to an SRV query, nothing for a malformed one.
std::vector<SrvRecord> parse_srv_answer(const unsigned char* answer, std::size_t size);
// RFC 2782 order: by priority, then the heavier first (no randomness: the same peer each
// time). A single record with target "." means the service is not offered: no targets.
std::vector<Target> srv_targets(std::vector<SrvRecord> records);

class Resolver {
 public:
  using Done = std::function<void(std::vector<Target>)>;
  Resolver(boost::asio::any_io_executor executor, std::vector<S2sRoute> routes);
  ~Resolver();

  // Calls done on the executor with the targets to try in order (empty: nowhere to go).
  void resolve(const std::string& domain, Done done);

 private:
  boost::asio::any_io_executor executor_;
  std::vector<S2sRoute> routes_;
  boost::asio::thread_pool pool_{1};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace jabberadmin::s2s
