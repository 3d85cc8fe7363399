#include "http/bosh_rids.hpp"

namespace jabberadmin::http {

RidWindow::Place RidWindow::place(std::uint64_t rid) const {
  if (rid >= next_) return rid - next_ < requests_ ? Place::InWindow : Place::Beyond;
  return answer_of(rid) ? Place::Answered : Place::Earlier;
}

void RidWindow::answered(std::uint64_t rid, std::string body) {
  answers_.emplace_back(rid, std::move(body));
  while (answers_.size() > requests_) answers_.pop_front();
}

const std::string* RidWindow::answer_of(std::uint64_t rid) const {
  for (const auto& [r, body] : answers_)
    if (r == rid) return &body;
  return nullptr;
}

}  // namespace jabberadmin::http
