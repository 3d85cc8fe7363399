// Where a remote domain's server is (RFC 6120 §3.2): the static route map first, then the
// DNS SRV records _xmpps-server._tcp.<domain> (direct TLS, XEP-0368) and
// _xmpp-server._tcp.<domain> (STARTTLS) in one RFC 2782 order, else the domain itself on
// port 5269 (its A/AAAA records, looked up when connecting). The SRV queries block in
// libresolv, so they run on a thread of their own and the answer comes back on the io
// executor.
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
  bool direct_tls = false;  // TLS from the first byte (an _xmpps-server record, a tls:// route)
  friend bool operator==(const Target&, const Target&) = default;
};

// An SRV answer's records, as the wire gives them.
struct SrvRecord {
  std::uint16_t priority = 0, weight = 0, port = 0;
  std::string target;
  bool direct_tls = false;  // from the _xmpps-server query
};
// The records of a DNS answer (RFC 1035 message) to an SRV query, nothing for a malformed one.
std::vector<SrvRecord> parse_srv_answer(const unsigned char* answer, std::size_t size);
// Does one query's answer say the service is not offered (RFC 2782: a single record, ".")?
bool service_refused(const std::vector<SrvRecord>& records);
// RFC 2782 order over both queries' records, mixed as XEP-0368 §3 asks: by priority, then
// the heavier first, direct TLS first among equals (one round trip less); no randomness,
// so the same peer each time. Records naming "." (no service) are left out.
std::vector<Target> srv_targets(std::vector<SrvRecord> records);
// Where to connect given both answers: their targets; if neither query found a record, the
// domain on 5269 (RFC 6120 §3.2.1), unless one of them said the service is not offered
// (then nowhere: XEP-0368 §5 forbids the A/AAAA fallback after a ".").
std::vector<Target> targets_for(const std::string& domain, std::vector<SrvRecord> direct,
                                std::vector<SrvRecord> starttls);

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
