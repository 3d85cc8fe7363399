#include "net/admission.hpp"

namespace jabberadmin::net {

Admission::Admission(AdmissionLimits limits) : limits_(limits), self_(std::make_shared<Admission*>(this)) {}
Admission::~Admission() = default;

std::optional<Admission::Ticket> Admission::admit(const std::string& address) {
  auto& count = per_address_[address];
  if (count >= limits_.per_address || unauthenticated_ >= limits_.unauthenticated) {
    if (count == 0) per_address_.erase(address);
    return std::nullopt;
  }
  ++count;
  ++unauthenticated_;
  return Ticket(self_, address);
}

std::size_t Admission::connections(const std::string& address) const {
  const auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

Admission::Ticket::Ticket(std::shared_ptr<Admission*> owner, std::string address)
    : owner_(owner), address_(std::move(address)) {}

Admission::Ticket::Ticket(Ticket&& other) noexcept
    : owner_(std::move(other.owner_)), address_(std::move(other.address_)),
      unauthenticated_(other.unauthenticated_) {
  other.owner_.reset();
}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    address_ = std::move(other.address_);
    unauthenticated_ = other.unauthenticated_;
    other.owner_.reset();
  }
  return *this;
}

Admission::Ticket::~Ticket() { release(); }

void Admission::Ticket::authenticated() {
  if (!unauthenticated_) return;
  unauthenticated_ = false;
  if (auto owner = owner_.lock()) --(*owner)->unauthenticated_;
}

void Admission::Ticket::release() {
  auto owner = owner_.lock();
  owner_.reset();
  if (!owner) return;
  Admission& a = **owner;
  if (unauthenticated_) --a.unauthenticated_;
  const auto it = a.per_address_.find(address_);
  if (it != a.per_address_.end() && --it->second == 0) a.per_address_.erase(it);
}

}  // namespace jabberadmin::net
