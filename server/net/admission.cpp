#include "net/admission.hpp"

#include <boost/asio/ip/address.hpp>

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

Admission::Admission(AdmissionLimits limits) : limits_(limits), self_(std::make_shared<Admission*>(this)) {}
Admission::~Admission() = default;

Admission::Ticket Admission::admit(const std::string& address) {
  std::string network = network_of(address);
  const auto ids = [](const auto& index, const std::string& key) -> const Ids* {
    const auto it = index.find(key);
    return it == index.end() ? nullptr : &it->second;
  };
  // Narrowest scope first: a crowded address pays for itself before its neighbours do.
  make_room(ids(by_address_, address), limits_.per_address, address);
  make_room(ids(by_network_, network), limits_.per_network, network);
  make_room(&all_, limits_.total, "all addresses");
  return Ticket(self_, insert(Entry{address, std::move(network), {}}));
}

std::uint64_t Admission::insert(Entry entry) {
  const std::uint64_t id = next_id_++;
  by_address_[entry.address].insert(id);
  by_network_[entry.network].insert(id);
  all_.insert(id);
  entries_.emplace(id, std::move(entry));
  return id;
}

void Admission::make_room(const Ids* ids, std::size_t limit, const std::string& scope) {
  if (ids == nullptr || ids->size() < limit || ids->empty()) return;
  // One log line per scope and cause, always the same text: the log's repeat filter
  // summarises a flood of them.
  log::warning("net " + scope + ": " + std::to_string(limit) +
               " unauthenticated connections; closing the oldest to admit a new one");
  std::vector<std::function<void()>> evictions;
  while (ids != nullptr && !ids->empty() && ids->size() >= limit) {
    const std::uint64_t oldest = *ids->begin();
    evictions.push_back(std::move(entries_.at(oldest).evict));
    const bool last = ids->size() == 1;
    forget(oldest);  // may erase the set ids points to
    ++evicted_;
    if (last) break;
  }
  // After the bookkeeping: an eviction may release other tickets at once.
  for (auto& evict : evictions)
    if (evict) evict();
}

void Admission::forget(std::uint64_t id) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const auto drop = [id](auto& index, const std::string& key) {
    const auto set = index.find(key);
    if (set == index.end()) return;
    set->second.erase(id);
    if (set->second.empty()) index.erase(set);
  };
  drop(by_address_, it->second.address);
  drop(by_network_, it->second.network);
  all_.erase(id);
  entries_.erase(it);
}

std::size_t Admission::unauthenticated(const std::string& address) const {
  const auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second.size();
}

Admission::Ticket::Ticket(std::shared_ptr<Admission*> owner, std::uint64_t id) : owner_(owner), id_(id) {}

Admission::Ticket::Ticket(Ticket&& other) noexcept : owner_(std::move(other.owner_)), id_(other.id_) {
  other.owner_.reset();
}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    id_ = other.id_;
    other.owner_.reset();
  }
  return *this;
}

Admission::Ticket::~Ticket() { release(); }

void Admission::Ticket::on_evict(std::function<void()> evict) {
  if (auto owner = owner_.lock()) {
    const auto it = (*owner)->entries_.find(id_);
    if (it != (*owner)->entries_.end()) it->second.evict = std::move(evict);
  }
}

void Admission::Ticket::active() {
  const auto owner = owner_.lock();
  if (!owner) return;
  Admission& a = **owner;
  const auto it = a.entries_.find(id_);
  if (it == a.entries_.end()) return;
  Entry entry = it->second;  // a copy: forget() reads the keys it is filed under
  a.forget(id_);
  id_ = a.insert(std::move(entry));
}

void Admission::Ticket::authenticated() { release(); }

void Admission::Ticket::release() {
  auto owner = owner_.lock();
  owner_.reset();
  if (owner) (*owner)->forget(id_);
}

}  // namespace jabberadmin::net
