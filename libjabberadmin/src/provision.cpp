#include "jabberadmin/provision.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <set>
#include <span>
#include <thread>
#include <utility>

#include "jabberadmin/error.hpp"
#include "jabberadmin/jid.hpp"
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

// Hashing (SHA-512 crypt, ~1.4 ms of CPU each, and the SCRAM verifiers' PBKDF2) is the
// import's main cost: spread over every core.
void hash_passwords(std::span<Record> records, std::optional<unsigned> scram_iterations) {
  const std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::jthread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([records, workers, w, scram_iterations] {
      for (std::size_t i = w; i < records.size(); i += workers) {
        auto& record = records[i];
        if (!record.user.password) continue;
        try {
          record.user.stored_password = password::store(*record.user.password, scram_iterations);
        } catch (const Error& e) {
          record.error = e;
        }
      }
    });
  }
}

// The column names, as a first line may give them.
bool is_header(const std::vector<std::string>& fields) {
  static constexpr std::string_view kColumns[] = {"login", "nickname", "group", "password"};
  if (fields.size() != std::size(kColumns)) return false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto first = fields[i].find_first_not_of(' ');
    if (first == std::string::npos) return false;
    std::string name = fields[i].substr(first, fields[i].find_last_not_of(' ') + 1 - first);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name != kColumns[i]) return false;
  }
  return true;
}

// Adds the records that have no error yet, pipelined on the directory's connection; with
// dry_run only checks them.
void add_records(Directory& directory, std::span<Record> records, bool dry_run) {
  std::vector<NewUser> users;
  std::vector<Record*> sent;
  for (auto& record : records) {
    if (record.error) continue;
    users.push_back(record.user);
    sent.push_back(&record);
  }
  const auto results = dry_run ? directory.check_new_users(users) : directory.add_users(users);
  for (std::size_t i = 0; i < results.size(); ++i) sent[i]->error = results[i];
}

}  // namespace

ImportReport import_users(Directory& directory, std::istream& csv, const ImportOptions& options) {
  ImportReport report;
  std::vector<Record> records;
  std::string line;
  bool first = true;  // the first line that is not empty
  for (std::size_t number = 1; std::getline(csv, line); ++number) {
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // spreadsheets write a BOM
    if (line.empty() || line == "\r") continue;
    try {
      const bool at_start = std::exchange(first, false);
      const auto fields = split_csv_record(line);
      if (at_start && is_header(fields)) continue;
      if (fields.size() != 4)
        throw Error(ErrorKind::InvalidArgument, translatable("expected 4 fields (login,nickname,group,password), found %s"),
                    {std::to_string(fields.size())});
      NewUser user{.name = fields[0]};
      if (!fields[1].empty()) user.nickname = fields[1];
      if (!fields[2].empty()) user.group = fields[2];
      if (!fields[3].empty()) {
        report.has_passwords = true;
        password::check_length(fields[3], options.min_password_length);
        user.password = fields[3];
      }
      records.push_back({number, std::move(user), std::nullopt});
    } catch (const Error& e) {
      report.failures.push_back({number, e});
    }
  }
  // Chunk k+1 is hashed on every core while chunk k is being added.
  const std::span<Record> all(records);
  const std::optional<unsigned> scram_iterations = report.has_passwords ? directory.scram_iterations() : std::nullopt;
  std::future<void> hashing =
      std::async(std::launch::async, hash_passwords, all.subspan(0, std::min(kChunk, all.size())), scram_iterations);
  for (std::size_t start = 0; start < all.size(); start += kChunk) {
    hashing.get();
    const auto chunk = all.subspan(start, std::min(kChunk, all.size() - start));
    const std::size_t next = start + kChunk;
    if (next < all.size())
      hashing = std::async(std::launch::async, hash_passwords, all.subspan(next, std::min(kChunk, all.size() - next)),
                           scram_iterations);
    add_records(directory, chunk, options.dry_run);
  }
  // A dry run has written nothing, so a name given twice is caught here.
  std::set<std::string> names;
  for (auto& record : records) {
    if (record.error) {
      report.failures.push_back({record.line, *record.error});
      continue;
    }
    const std::string name = normalize_localpart(record.user.name);
    if (options.dry_run && !names.insert(name).second) {
      report.failures.push_back({record.line, Error(ErrorKind::AlreadyExists, translatable("user '%s' already exists"), {name})});
      continue;
    }
    ++report.created;
    report.accepted.emplace_back(record.line, name);
  }
  std::sort(report.failures.begin(), report.failures.end(),
            [](const ImportFailure& a, const ImportFailure& b) { return a.line < b.line; });
  return report;
}

}  // namespace jabberadmin
