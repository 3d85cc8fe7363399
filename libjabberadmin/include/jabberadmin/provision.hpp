// Scripted provisioning: many accounts from one CSV over one connection
// (`cl-useradd --from FILE jabber`). Columns: login,nickname,group,password (RFC 4180
// quoting). A UTF-8 byte-order mark is dropped, and a first line that names the four columns
// is skipped. A bad line is reported by its number and the rest go on.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "jabberadmin/csv.hpp"
#include "jabberadmin/directory.hpp"
#include "jabberadmin/error.hpp"

namespace jabberadmin {

struct ImportFailure {
  std::size_t line;
  Error error;  // what() is the English message; translatable through its template
};

struct ImportOptions {
  bool dry_run = false;            // check every line as an add would, write nothing
  std::size_t min_password_length = 1;  // password::check_length
};

struct ImportReport {
  std::size_t created = 0;         // with dry_run: how many would be created
  std::vector<ImportFailure> failures;
  std::vector<std::pair<std::size_t, std::string>> accepted;  // line, normalised name
  bool has_passwords = false;      // some line carries a password
};

ImportReport import_users(Directory& directory, std::istream& csv, const ImportOptions& options = {});

}  // namespace jabberadmin
