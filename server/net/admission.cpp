#include "net/admission.hpp"

#include <boost/asio/ip/address.hpp>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "util/log.hpp"

namespace jabberadmin::net {

std::string network_of(const std::string& address) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(address, ec);
  if (ec) return address;
  if (a.is_v4()) {
    auto bytes = a.to_v4().to_bytes();
    bytes[3] = 0;
    return boost::asio::ip::make_address_v4(bytes).to_string() + "/24";
  }
  auto bytes = a.to_v6().to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::make_address_v6(bytes).to_string() + "/64";
}

// Who holds a place, filed by address, by network and in all.
struct Admission::Places {
  struct Entry {
    std::string address, network;
    std::function<void()> evict;
  };
  // Ids grow with time, so the first id of a set is its oldest connection.
  using Ids = std::set<std::uint64_t>;

  std::uint64_t insert(Entry entry);
  void forget(std::uint64_t id);
  // Evicts the oldest of ids, if there are at least limit of them.
  void make_room(const Ids* ids, std::size_t limit, const std::string& scope);

  std::map<std::uint64_t, Entry> entries;
  std::map<std::string, Ids, std::less<>> by_address, by_network;
  Ids all;
  std::uint64_t next_id = 1;
  std::size_t evicted = 0;
};

Admission::Admission(AdmissionLimits limits) : limits_(limits), places_(std::make_shared<Places>()) {}
Admission::~Admission() = default;

Admission::Ticket Admission::admit(const std::string& address) {
  std::string network = network_of(address);
  const auto ids = [](const auto& index, const std::string& key) -> const Places::Ids* {
    const auto it = index.find(key);
    return it == index.end() ? nullptr : &it->second;
  };
  Places& p = *places_;
  // Narrowest scope first: a crowded address pays for itself before its neighbours do.
  p.make_room(ids(p.by_address, address), limits_.per_address, address);
  p.make_room(ids(p.by_network, network), limits_.per_network, network);
  p.make_room(&p.all, limits_.total, "all addresses");
  return Ticket(places_, p.insert(Places::Entry{address, std::move(network), {}}));
}

std::uint64_t Admission::Places::insert(Entry entry) {
  const std::uint64_t id = next_id++;
  by_address[entry.address].insert(id);
  by_network[entry.network].insert(id);
  all.insert(id);
  entries.emplace(id, std::move(entry));
  return id;
}

void Admission::Places::make_room(const Ids* ids, std::size_t limit, const std::string& scope) {
  if (ids == nullptr || ids->size() < limit || ids->empty()) return;
  // One log line per scope and cause, always the same text: the log's repeat filter
  // summarises a flood of them.
  log::warning("net " + scope + ": " + std::to_string(limit) +
               " unauthenticated connections; closing the oldest to admit a new one");
  std::vector<std::function<void()>> evictions;
  while (ids != nullptr && !ids->empty() && ids->size() >= limit) {
    const std::uint64_t oldest = *ids->begin();
    evictions.push_back(std::move(entries.at(oldest).evict));
    const bool last = ids->size() == 1;
    forget(oldest);  // may erase the set ids points to
    ++evicted;
    if (last) break;
  }
  // After the bookkeeping: an eviction may release other tickets at once.
  for (auto& evict : evictions)
    if (evict) evict();
}

void Admission::Places::forget(std::uint64_t id) {
  const auto it = entries.find(id);
  if (it == entries.end()) return;
  const auto drop = [id](auto& index, const std::string& key) {
    const auto set = index.find(key);
    if (set == index.end()) return;
    set->second.erase(id);
    if (set->second.empty()) index.erase(set);
  };
  drop(by_address, it->second.address);
  drop(by_network, it->second.network);
  all.erase(id);
  entries.erase(it);
}

std::size_t Admission::unauthenticated(const std::string& address) const {
  const auto it = places_->by_address.find(address);
  return it == places_->by_address.end() ? 0 : it->second.size();
}

std::size_t Admission::unauthenticated() const noexcept { return places_->entries.size(); }
std::size_t Admission::evicted() const noexcept { return places_->evicted; }

Admission::Ticket::Ticket(const std::shared_ptr<Places>& places, std::uint64_t id) : places_(places), id_(id) {}

Admission::Ticket::Ticket(Ticket&& other) noexcept
    : places_(std::exchange(other.places_, {})), id_(other.id_) {}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    places_ = std::exchange(other.places_, {});
    id_ = other.id_;
  }
  return *this;
}

Admission::Ticket::~Ticket() { release(); }

void Admission::Ticket::on_evict(std::function<void()> evict) {
  if (const auto places = places_.lock())
    if (const auto it = places->entries.find(id_); it != places->entries.end()) it->second.evict = std::move(evict);
}

void Admission::Ticket::active() {
  const auto places = places_.lock();
  if (!places) return;
  const auto it = places->entries.find(id_);
  if (it == places->entries.end()) return;
  Places::Entry entry = it->second;  // a copy: forget() reads the keys it is filed under
  places->forget(id_);
  id_ = places->insert(std::move(entry));
}

void Admission::Ticket::authenticated() { release(); }

void Admission::Ticket::release() {
  if (const auto places = std::exchange(places_, {}).lock()) places->forget(id_);
}

}  // namespace jabberadmin::net
