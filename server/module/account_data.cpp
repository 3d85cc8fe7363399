#include "module/account_data.hpp"

#include <exception>
#include <memory>

#include "util/log.hpp"

namespace jabberadmin::module {

util::Registration AccountData::keep(Keeper keeper) {
  util::Registration known = known_.add([known = std::move(keeper.known), name = keeper.name](std::set<std::string>& jids) {
    try {
      if (known) known(jids);
    } catch (const std::exception& e) {
      log::error("accounts: cannot list the accounts that have " + name + ": " + e.what());
    }
  });
  util::Registration removed = removed_.add([remove = std::move(keeper.remove), name = std::move(keeper.name)](
                                          const std::vector<std::string>& jids, std::size_t& rows) {
    try {
      if (remove) rows += remove(jids);
    } catch (const std::exception& e) {
      log::error("accounts: cannot remove the " + name + " of " + (jids.empty() ? "" : jids.front()) + ": " +
                 e.what());
    }
  });
  return util::Registration([known = std::make_shared<util::Registration>(std::move(known)),
                       removed = std::make_shared<util::Registration>(std::move(removed))] {
    known->reset();
    removed->reset();
  });
}

std::set<std::string> AccountData::known() const {
  std::set<std::string> jids;
  known_(jids);
  return jids;
}

std::size_t AccountData::removed(const std::vector<std::string>& bare_jids) const {
  std::size_t rows = 0;
  removed_(bare_jids, rows);
  return rows;
}

}  // namespace jabberadmin::module
