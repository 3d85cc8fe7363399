#include "jabberadmin/provision.hpp"

#include "jabberadmin/error.hpp"

namespace jabberadmin {

std::vector<std::string> split_csv_record(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r' || i + 1 != line.size()) {
      fields.back() += c;
    }
  }
  if (quoted) throw Error(ErrorKind::InvalidArgument, "unterminated quote");
  return fields;
}

ImportReport import_users(Directory& directory, std::istream& csv) {
  ImportReport report;
  std::string line;
  for (std::size_t number = 1; std::getline(csv, line); ++number) {
    if (line.empty() || line == "\r") continue;
    try {
      const auto fields = split_csv_record(line);
      if (number == 1 && !fields.empty() && fields[0] == "login") continue;  // the header
      if (fields.size() != 4)
        throw Error(ErrorKind::InvalidArgument,
                    "expected 4 fields (login,nickname,group,password), found " + std::to_string(fields.size()));
      NewUser user{.name = fields[0]};
      if (!fields[1].empty()) user.nickname = fields[1];
      if (!fields[2].empty()) user.group = fields[2];
      if (!fields[3].empty()) user.password = fields[3];
      directory.add_user(user);
      ++report.created;
    } catch (const Error& e) {
      report.failures.push_back({number, e.what()});
    }
  }
  return report;
}

}  // namespace jabberadmin
