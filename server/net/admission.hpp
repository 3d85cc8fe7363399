// Who may connect: at most N connections per remote address and M connections that have
// not authenticated yet. A Ticket holds one place and gives it back when destroyed.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace jabberadmin::net {

struct AdmissionLimits {
  std::size_t per_address = 32;
  std::size_t unauthenticated = 512;
};

class Admission {
 public:
  class Ticket {
   public:
    Ticket(Ticket&&) noexcept;
    Ticket& operator=(Ticket&&) noexcept;
    ~Ticket();
    // The stream authenticated: its place among the unauthenticated is free again.
    void authenticated();

   private:
    friend class Admission;
    Ticket(std::shared_ptr<Admission*> owner, std::string address);
    void release();
    std::weak_ptr<Admission*> owner_;
    std::string address_;
    bool unauthenticated_ = true;
  };

  explicit Admission(AdmissionLimits limits);
  ~Admission();
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // A ticket, or nothing when a limit is reached.
  std::optional<Ticket> admit(const std::string& address);

  std::size_t connections(const std::string& address) const;
  std::size_t unauthenticated() const noexcept { return unauthenticated_; }

 private:
  AdmissionLimits limits_;
  std::map<std::string, std::size_t> per_address_;
  std::size_t unauthenticated_ = 0;
  std::shared_ptr<Admission*> self_;  // tickets outliving us must not touch us
};

}  // namespace jabberadmin::net
