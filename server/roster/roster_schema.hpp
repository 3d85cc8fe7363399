// The roster's tables in the server's database, as the roster's own numbered migrations
// (store::Database::migrate): personal items, their versions, and the subscription requests
// waiting for an answer. Every roster store brings the schema up to date when it is made.
#pragma once

#include "store/database.hpp"

namespace jabberadmin::roster {

void migrate_schema(store::Database& db);

}  // namespace jabberadmin::roster
