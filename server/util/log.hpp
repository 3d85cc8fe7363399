// Leveled logging to stderr (systemd adds the time), or to a file that SIGHUP reopens.
// Single place to decide what is written; callers never log secrets.
#pragma once

#include <filesystem>
#include <string_view>

namespace jabberadmin::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };

// Parses "debug", "info", "warning", "error"; nothing on other text.
bool parse_level(std::string_view text, Level& level);
void set_level(Level level);
bool enabled(Level level);
// Logs to this file from now on (appending); empty = stderr. Throws on failure. On stderr
// that is journald's stream ($JOURNAL_STREAM) each line starts with its syslog priority
// ("<4>..."), so `journalctl -p warning` selects; elsewhere with its level ("<warning> ...").
void set_file(const std::filesystem::path& file);
// Reopens the log file (after logrotate moved it); no-op on stderr.
void reopen();

// Identical lines beyond a few per 10 s are counted instead of written, then summarised
// ("... repeated N more times, not logged"; util/repeat_filter).
void write(Level level, std::string_view message);
// Writes the pending summaries of left-out repeats now (before exit).
void flush_repeats();
inline void debug(std::string_view m) { write(Level::Debug, m); }
inline void info(std::string_view m) { write(Level::Info, m); }
inline void warning(std::string_view m) { write(Level::Warning, m); }
inline void error(std::string_view m) { write(Level::Error, m); }

}  // namespace jabberadmin::log
