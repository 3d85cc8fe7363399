#include "jabberadmin/provision.hpp"

#include <algorithm>
#include <future>
#include <span>
#include <thread>

#include "jabberadmin/error.hpp"
#include "jabberadmin/password.hpp"

namespace jabberadmin {
namespace {

struct Record {
  std::size_t line;
  NewUser user;
  std::optional<Error> error;  // set when the line cannot become an account
};

// Lines a chunk: its hashing runs while the previous chunk's adds wait on slapd.
constexpr std::size_t kChunk = 128;

// Hashing (SHA-512 crypt, ~1.4 ms of CPU each) is the import's main cost: spread over
// every core.
void hash_passwords(std::span<Record> records) {
  const std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::jthread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([records, workers, w] {
      for (std::size_t i = w; i < records.size(); i += workers) {
        auto& record = records[i];
        if (!record.user.password) continue;
        try {
          record.user.password_hash = password::hash(*record.user.password);
        } catch (const Error& e) {
          record.error = e;
        }
      }
    });
  }
}

// Adds the records that have no error yet, pipelined on the directory's connection.
void add_records(Directory& directory, std::span<Record> records) {
  std::vector<NewUser> users;
  std::vector<Record*> sent;
  for (auto& record : records) {
    if (record.error) continue;
    users.push_back(record.user);
    sent.push_back(&record);
  }
  const auto results = directory.add_users(users);
  for (std::size_t i = 0; i < results.size(); ++i) sent[i]->error = results[i];
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
      records.push_back({number, std::move(user), std::nullopt});
    } catch (const Error& e) {
      report.failures.push_back({number, e});
    }
  }
  // Chunk k+1 is hashed on every core while chunk k is being added.
  const std::span<Record> all(records);
  std::future<void> hashing = std::async(std::launch::async, hash_passwords, all.subspan(0, std::min(kChunk, all.size())));
  for (std::size_t start = 0; start < all.size(); start += kChunk) {
    hashing.get();
    const auto chunk = all.subspan(start, std::min(kChunk, all.size() - start));
    const std::size_t next = start + kChunk;
    if (next < all.size())
      hashing = std::async(std::launch::async, hash_passwords, all.subspan(next, std::min(kChunk, all.size() - next)));
    add_records(directory, chunk);
  }
  for (const auto& record : records) {
    if (record.error) report.failures.push_back({record.line, *record.error});
    else ++report.created;
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const ImportFailure& a, const ImportFailure& b) { return a.line < b.line; });
  return report;
}

}  // namespace jabberadmin
