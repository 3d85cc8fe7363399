#include "s2s/resolver.hpp"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>

#include "util/log.hpp"

namespace jabberadmin::s2s {
namespace asio = boost::asio;

std::vector<SrvRecord> parse_srv_answer(const unsigned char* answer, std::size_t size) {
  std::vector<SrvRecord> out;
  ns_msg message;
  if (size > 65535 || ns_initparse(answer, static_cast<int>(size), &message) != 0) return out;
  const int count = ns_msg_count(message, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&message, ns_s_an, i, &rr) != 0) return {};
    if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in) continue;
    const unsigned char* data = ns_rr_rdata(rr);
    if (ns_rr_rdlen(rr) < 7) continue;  // three 16-bit numbers and at least the root name
    SrvRecord record;
    record.priority = ns_get16(data);
    record.weight = ns_get16(data + 2);
    record.port = ns_get16(data + 4);
    std::array<char, NS_MAXDNAME> name{};
    if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, name.data(), name.size()) < 0) continue;
    record.target = name.data();
    out.push_back(std::move(record));
  }
  return out;
}

bool service_refused(const std::vector<SrvRecord>& records) {
  // dn_expand writes the root name as "", a zone file as ".".
  return records.size() == 1 && (records[0].target.empty() || records[0].target == ".");
}

std::vector<Target> srv_targets(std::vector<SrvRecord> records) {
  std::vector<Target> out;
  std::stable_sort(records.begin(), records.end(), [](const SrvRecord& a, const SrvRecord& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.direct_tls && !b.direct_tls;
  });
  for (auto& r : records)
    if (!r.target.empty() && r.target != "." && r.port != 0)
      out.push_back(Target{std::move(r.target), r.port, r.direct_tls});
  return out;
}

std::vector<Target> targets_for(const std::string& domain, std::vector<SrvRecord> direct,
                                std::vector<SrvRecord> starttls) {
  const bool refused = service_refused(direct) || service_refused(starttls);
  const bool none = direct.empty() && starttls.empty();
  for (auto& r : direct) r.direct_tls = true;
  for (auto& r : starttls) r.direct_tls = false;
  direct.insert(direct.end(), std::make_move_iterator(starttls.begin()), std::make_move_iterator(starttls.end()));
  std::vector<Target> targets = srv_targets(std::move(direct));
  if (targets.empty() && none && !refused) targets.push_back(Target{domain, 5269, false});
  return targets;
}

Resolver::Resolver(asio::any_io_executor executor, std::vector<S2sRoute> routes)
    : executor_(std::move(executor)), routes_(std::move(routes)) {}

Resolver::~Resolver() {
  *alive_ = false;
  pool_.stop();
  pool_.join();
}

void Resolver::resolve(const std::string& domain, Done done) {
  for (const auto& route : routes_)
    if (route.domain == domain) {
      std::vector<Target> targets{Target{route.host, route.port, route.direct_tls}};
      return asio::post(executor_, [done = std::move(done), targets = std::move(targets)]() mutable {
        done(std::move(targets));
      });
    }
  asio::post(pool_, [executor = executor_, alive = std::weak_ptr<bool>(alive_), domain, done = std::move(done)]() mutable {
    std::vector<SrvRecord> direct, starttls;
    struct __res_state state{};
    if (res_ninit(&state) == 0) {
      const auto query = [&](const std::string& name) {
        std::array<unsigned char, 4096> answer{};
        const int size = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer.data(), answer.size());
        if (size <= 0) return std::vector<SrvRecord>{};
        return parse_srv_answer(answer.data(), static_cast<std::size_t>(std::min<int>(size, answer.size())));
      };
      direct = query("_xmpps-server._tcp." + domain);
      starttls = query("_xmpp-server._tcp." + domain);
      res_nclose(&state);
    }
    std::vector<Target> targets = targets_for(domain, std::move(direct), std::move(starttls));
    asio::post(executor, [alive, done = std::move(done), targets = std::move(targets)]() mutable {
      if (alive.lock()) done(std::move(targets));
    });
  });
}

}  // namespace jabberadmin::s2s
