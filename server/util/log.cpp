#include "util/log.hpp"

#include "util/log_fields.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jabberadmin/error.hpp"
#include "util/repeat_filter.hpp"

namespace jabberadmin::log {
namespace {
std::mutex mutex;
Level threshold = Level::Info;
Format format = Format::Plain;
std::filesystem::path file_path;
std::FILE* file = nullptr;
bool journal = false;  // stderr is journald's stream: lines carry a syslog priority
RepeatFilter repeats;

constexpr std::string_view name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warning: return "warning";
    case Level::Error: return "error";
  }
  return "info";
}

// The syslog priority journald reads from a "<N>" line prefix (sd-daemon(3)).
constexpr int priority(Level l) {
  switch (l) {
    case Level::Debug: return 7;
    case Level::Info: return 6;
    case Level::Warning: return 4;
    case Level::Error: return 3;
  }
  return 6;
}

// systemd sets $JOURNAL_STREAM to "device:inode" of the stream it connected; stderr is the
// journal only when it still is that very file (not redirected by a shell in between).
bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  unsigned long long device = 0, inode = 0;
  if (env == nullptr || std::sscanf(env, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}
}  // namespace

bool parse_level(std::string_view text, Level& level) {
  for (Level l : {Level::Debug, Level::Info, Level::Warning, Level::Error})
    if (text == name(l)) {
      level = l;
      return true;
    }
  return false;
}

bool parse_format(std::string_view text, Format& out) {
  if (text == "plain") out = Format::Plain;
  else if (text == "json") out = Format::Json;
  else return false;
  return true;
}

void set_format(Format f) {
  std::lock_guard lock(mutex);
  format = f;
}

std::string value_text(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {  // a run of non-ASCII bytes: kept if UTF-8, else shown escaped
      std::size_t end = i;
      while (end < value.size() && static_cast<unsigned char>(value[end]) >= 0x80) ++end;
      out += printable(value.substr(i, end - i));
      i = end;
      continue;
    }
    if (c < 0x21 || c == 0x7f || c == '"' || c == '\\' || c == '=') {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

void set_level(Level level) {
  std::lock_guard lock(mutex);
  threshold = level;
}

bool enabled(Level level) {
  std::lock_guard lock(mutex);
  return level >= threshold;
}

void set_file(const std::filesystem::path& path) {
  std::lock_guard lock(mutex);
  if (file != nullptr) std::fclose(file);
  file = nullptr;
  file_path = path;
  journal = path.empty() && stderr_is_journal();
  if (path.empty()) return;
  file = std::fopen(path.c_str(), "a");
  if (file == nullptr) throw std::runtime_error("cannot open log file " + path.string());
}

void reopen() {
  std::lock_guard lock(mutex);
  if (file_path.empty()) return;
  if (std::FILE* f = std::fopen(file_path.c_str(), "a")) {
    if (file != nullptr) std::fclose(file);
    file = f;
  }
}

namespace {
std::string utc_now() {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return stamp;
}

// One line as written: the time (plain, when not to stderr, where systemd adds it), then text.
void emit(std::string_view text) {
  std::string line;
  if (file != nullptr && format == Format::Plain) line = utc_now() + " ";
  line += text;
  line += '\n';
  std::FILE* out = file != nullptr ? file : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

// The line without its time: JSON (whose strings escape every control character), or the
// plain "<level> message: key=value ...".
std::string line_text(Level level, std::string_view message, const Fields& fields) {
  // journald strips a "<N>" prefix and files the line under that priority (journalctl -p).
  const bool to_journal = journal && file == nullptr;
  std::string text = to_journal ? "<" + std::to_string(priority(level)) + ">" : std::string();
  if (format == Format::Json) {
    nlohmann::json object{{"time", utc_now()}, {"level", name(level)}, {"message", message}};
    object["fields"] = nlohmann::json::object();
    for (const auto& [key, value] : fields) object["fields"][std::string(key)] = value;
    return text + object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (!to_journal) text += "<" + std::string(name(level)) + "> ";
  text += printable(message);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    text += i == 0 ? ": " : " ";
    text += fields[i].first;
    text += '=';
    text += value_text(fields[i].second);
  }
  return text;
}
}  // namespace

void write(Level level, std::string_view message) { write(level, message, {}); }

void write(Level level, std::string_view message, const Fields& fields) {
  std::lock_guard lock(mutex);
  if (level < threshold) return;
  const std::string text = line_text(level, message, fields);
  std::vector<std::string> summaries;
  const bool fresh = repeats.admit(text, RepeatFilter::Clock::now(), summaries);
  for (const auto& s : summaries) emit(s);
  if (fresh) emit(text);
}

void flush_repeats() {
  std::lock_guard lock(mutex);
  std::vector<std::string> summaries;
  repeats.flush(summaries);
  for (const auto& s : summaries) emit(s);
}

}  // namespace jabberadmin::log
