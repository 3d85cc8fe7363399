// Who may connect. Only connections that have not authenticated yet are limited: per remote
// address, per network (the /24 of an IPv4 address, the /64 of an IPv6 one) and in all.
// Authenticated streams are counted per account (C2sConfig::max_resources_per_account), so
// an office behind one NAT address can have any number of users online.
//
// A newcomer is never refused: when a limit is reached, the oldest unauthenticated
// connection within that limit (the same address, the same network, anyone) is evicted to
// make room, the oldest being the one that has sent nothing for the longest time. Stalled
// connections go first, so a flood of them pushes out itself and a real client, which
// authenticates within a moment, gets through.
//
// A Ticket holds one place and gives it back when destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace jabberadmin::net {

struct AdmissionLimits {
  std::size_t per_address = 32;   // unauthenticated connections from one address
  std::size_t per_network = 128;  // ... from one /24 (IPv4) or /64 (IPv6)
  std::size_t total = 512;       // ... from anywhere
};

// "192.0.2.0/24" for an IPv4 address, "2001:db8:1:2::/64" for an IPv6 one; the text itself
// when it is not an address.
std::string network_of(const std::string& address);

class Admission {
  struct Places;

 public:
  // One connection's place. It may outlive the Admission (a stream still closing when the
  // server goes): then it does nothing, as a util::Registration does.
  class Ticket {
   public:
    Ticket(Ticket&&) noexcept;
    Ticket& operator=(Ticket&&) noexcept;
    ~Ticket();
    // What ends this connection when it has to make room for a newcomer. Called at most
    // once, from inside a later admit(); the ticket no longer counts by then.
    void on_evict(std::function<void()> evict);
    // The peer sent something: it is the newest again, the last to be evicted.
    void active();
    // The stream authenticated: it no longer counts against any limit.
    void authenticated();

   private:
    friend class Admission;
    Ticket(const std::shared_ptr<Places>& places, std::uint64_t id);
    void release();
    std::weak_ptr<Places> places_;  // the admission's places, while it lasts
    std::uint64_t id_ = 0;
  };

  explicit Admission(AdmissionLimits limits);
  ~Admission();
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // A ticket for a new connection from address, after evicting whatever it displaces.
  Ticket admit(const std::string& address);

  std::size_t unauthenticated(const std::string& address) const;
  std::size_t unauthenticated() const noexcept;
  std::size_t evicted() const noexcept;

 private:
  AdmissionLimits limits_;
  // Owned here and shared only weakly with the tickets (the pattern of util::Hooks and its
  // registrations): a ticket reaches the places while they exist and nothing after.
  std::shared_ptr<Places> places_;
};

}  // namespace jabberadmin::net
