#include "util/log.hpp"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/repeat_filter.hpp"

namespace jabberadmin::log {
namespace {
std::mutex mutex;
Level threshold = Level::Info;
std::filesystem::path file_path;
std::FILE* file = nullptr;
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
}  // namespace

bool parse_level(std::string_view text, Level& level) {
  for (Level l : {Level::Debug, Level::Info, Level::Warning, Level::Error})
    if (text == name(l)) {
      level = l;
      return true;
    }
  return false;
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
// One line as written: the time (when not to stderr, where systemd adds it), then text.
void emit(std::string_view text) {
  std::string line;
  if (file != nullptr) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    line = stamp;
  }
  line += text;
  line += '\n';
  std::FILE* out = file != nullptr ? file : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}
}  // namespace

void write(Level level, std::string_view message) {
  std::lock_guard lock(mutex);
  if (level < threshold) return;
  std::string text = "<" + std::string(name(level)) + "> ";
  text += message;
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
