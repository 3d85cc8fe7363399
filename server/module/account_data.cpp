#include "module/account_data.hpp"

#include <exception>
#include <memory>

#include "jabberadmin/jid.hpp"
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

AccountData::Keeper AccountData::rows_of(std::string name, store::Database& db, std::string table, std::string column) {
  return {.name = std::move(name),
          .known =
              [&db, select = "SELECT DISTINCT " + column + " FROM " + table](std::set<std::string>& jids) {
                auto query = db.prepare(select);
                while (query.step()) jids.insert(query.text(0));
              },
          .remove = [&db, remove = "DELETE FROM " + table + " WHERE " + column + " = ?"](
                        const std::vector<std::string>& jids) -> std::size_t {
            store::Transaction transaction(db);
            std::size_t rows = 0;
            for (const auto& jid : jids) {
              db.prepare(remove).bind(1, jid).step();
              rows += db.changes();
            }
            transaction.commit();
            return rows;
          }};
}

AccountData::Keeper AccountData::by_name(std::string name, std::string host,
                                         std::function<std::vector<std::string>()> names,
                                         std::function<std::size_t(const std::string& name)> remove) {
  return {.name = std::move(name),
          .known =
              [host, names = std::move(names)](std::set<std::string>& jids) {
                for (const auto& account : names()) jids.insert(Jid{account, host, {}}.bare());
              },
          .remove = [remove = std::move(remove)](const std::vector<std::string>& jids) -> std::size_t {
            // Every JID of the list is the same account on another host.
            return jids.empty() ? 0 : remove(Jid::split_normalized(jids.front()).local);
          }};
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
