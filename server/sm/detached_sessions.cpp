#include "sm/detached_sessions.hpp"

namespace jabberadmin::sm {

std::vector<std::string> DetachedSessions::add(const std::string& id, const std::string& account,
                                               Clock::time_point deadline) {
  remove(id);
  const std::uint64_t order = next_++;
  sessions_.emplace(id, Entry{account, deadline, order});
  deadlines_.emplace(deadline, id);
  auto& mine = by_account_[account];
  mine.emplace(order, id);
  std::vector<std::string> evicted;
  while (per_account_ != 0 && mine.size() > per_account_) {
    std::string oldest = mine.begin()->second;  // `mine` keeps at least per_account_ entries
    remove(oldest);
    evicted.push_back(std::move(oldest));
  }
  return evicted;
}

bool DetachedSessions::remove(const std::string& id) {
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  const Entry& entry = it->second;
  for (auto [d, end] = deadlines_.equal_range(entry.deadline); d != end; ++d)
    if (d->second == id) {
      deadlines_.erase(d);
      break;
    }
  if (const auto account = by_account_.find(entry.account); account != by_account_.end()) {
    account->second.erase(entry.order);
    if (account->second.empty()) by_account_.erase(account);
  }
  sessions_.erase(it);
  return true;
}

std::vector<std::string> DetachedSessions::expire(Clock::time_point now) {
  std::vector<std::string> out;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    out.push_back(deadlines_.begin()->second);
    remove(out.back());
  }
  return out;
}

std::optional<DetachedSessions::Clock::time_point> DetachedSessions::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

std::size_t DetachedSessions::count(const std::string& account) const {
  const auto it = by_account_.find(account);
  return it == by_account_.end() ? 0 : it->second.size();
}

}  // namespace jabberadmin::sm
