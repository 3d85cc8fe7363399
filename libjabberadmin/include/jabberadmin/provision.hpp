// Scripted provisioning: many accounts from one CSV over one connection
// (`cl-useradd --from FILE jabber`). Columns: login,nickname,group,password (RFC 4180
// quoting; a first line naming the columns is skipped). A bad line is reported by its
// number and the rest go on.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "jabberadmin/directory.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin {

struct ImportFailure {
  std::size_t line;
  Error error;  // what() is the English message; translatable through its template
};

struct ImportReport {
  std::size_t created = 0;
  std::vector<ImportFailure> failures;
};

ImportReport import_users(Directory& directory, std::istream& csv);

// One CSV record split into fields (RFC 4180: quotes, doubled quotes, commas inside quotes).
// Throws Error(InvalidArgument) on an unterminated quote.
std::vector<std::string> split_csv_record(std::string_view line);

}  // namespace jabberadmin
