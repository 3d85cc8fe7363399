#include "jabberadmin/provision.hpp"

#include <algorithm>
#include <thread>

#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"

namespace jabberadmin {
namespace {

struct Record {
  std::size_t line;
  NewUser user;
};

// Hashing (SHA-512 crypt, ~1.4 ms of CPU each) is the import's main cost: spread it over
// every core before the adds, which then only wait on slapd.
void hash_passwords(std::vector<Record>& records, std::vector<ImportFailure>& failures) {
  const std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::optional<Error>> errors(records.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (std::size_t i = w; i < records.size(); i += workers) {
          auto& user = records[i].user;
          if (!user.password) continue;
          try {
            user.password_hash = password::hash(*user.password);
          } catch (const Error& e) {
            errors[i] = e;
          }
        }
      });
    }
  }
  for (std::size_t i = records.size(); i-- > 0;) {
    if (!errors[i]) continue;
    failures.push_back({records[i].line, *errors[i]});
    records.erase(records.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace

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
  if (quoted) throw Error(ErrorKind::InvalidArgument, translatable("unterminated quote"), {});
  return fields;
}

ImportReport import_users(Directory& directory, std::istream& csv) {
  ImportReport report;
  std::vector<Record> records;
  std::string line;
  for (std::size_t number = 1; std::getline(csv, line); ++number) {
    if (line.empty() || line == "\r") continue;
    try {
      const auto fields = split_csv_record(line);
      if (number == 1 && !fields.empty() && fields[0] == "login") continue;  // the header
      if (fields.size() != 4)
        throw Error(ErrorKind::InvalidArgument, translatable("expected 4 fields (login,nickname,group,password), found %s"),
                    {std::to_string(fields.size())});
      NewUser user{.name = fields[0]};
      if (!fields[1].empty()) user.nickname = fields[1];
      if (!fields[2].empty()) user.group = fields[2];
      if (!fields[3].empty()) user.password = fields[3];
      records.push_back({number, std::move(user)});
    } catch (const Error& e) {
      report.failures.push_back({number, e});
    }
  }
  hash_passwords(records, report.failures);

  std::vector<NewUser> users;
  for (auto& record : records) users.push_back(std::move(record.user));
  const auto results = directory.add_users(users);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i]) report.failures.push_back({records[i].line, *results[i]});
    else ++report.created;
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const ImportFailure& a, const ImportFailure& b) { return a.line < b.line; });
  return report;
}

}  // namespace jabberadmin
