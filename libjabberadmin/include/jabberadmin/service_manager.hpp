// Who runs the daemons. When systemd is PID 1 and the packaged units are installed, cl-setup
// hands them to systemd (`systemctl enable --now`), so they come back after a reboot. Else
// (containers, chroots, OpenRC, a state dir of one's own) cl-setup starts slapd itself as
// before and the administrator or the init script starts cl-jabberd.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace jabberadmin::service {

inline constexpr const char* kSlapdUnit = "jabberadmin-slapd.service";
inline constexpr const char* kServerUnit = "cl-jabberd.service";
// coturn with the turnserver.conf `cl-setup jabber --turn on` writes beside kUnitConfig.
inline constexpr const char* kTurnUnit = "jabberadmin-turn.service";
// The only state dir the slapd unit serves; other state dirs are never handed to systemd.
inline constexpr const char* kUnitLdapStateDir = "/var/lib/jabberadmin/ldap";
// The settings and data dir cl-jabberd.service runs with (ProtectSystem=strict: it may write
// nowhere else); a server set up with others is never handed to systemd.
inline constexpr const char* kUnitConfig = "/etc/jabberadmin/jabberadmin.conf";
inline constexpr const char* kUnitServerDataDir = "/var/lib/jabberadmin/jabber";

// Folders systemd loads units from (/etc first, then where this build installs them).
std::vector<std::filesystem::path> default_unit_dirs();

// Where to look; the defaults are the real system, tests point them at a fake one.
struct Systemd {
  std::filesystem::path booted_marker = "/run/systemd/system";  // sd_booted(3)
  std::filesystem::path systemctl = "systemctl";                // run through PATH
  std::vector<std::filesystem::path> unit_dirs = default_unit_dirs();
};

// systemd runs the machine and the unit file is installed.
bool manages(const std::string& unit, const Systemd& systemd = {});

// `systemctl enable --now UNIT` (restart: enable, then restart, so new settings apply);
// returns the step to print; throws Error(Directory) naming the command when it fails.
std::string enable_and_start(const std::string& unit, bool restart = false, const Systemd& systemd = {});
std::string stop(const std::string& unit, const Systemd& systemd = {});

// Debian's own slapd.service, when systemd says it is active: a warning step, since
// jabberadmin never uses it and it listens on every address.
std::optional<std::string> foreign_slapd_warning(const Systemd& systemd = {});

}  // namespace jabberadmin::service
