// systemd's service notification protocol (sd_notify(3)) without libsystemd: one datagram
// of "KEY=value" lines to the socket named by $NOTIFY_SOCKET. The unit (Type=notify) learns
// that cl-jabberd listens (READY=1), reloads (RELOADING=1) or stops (STOPPING=1).
#pragma once

#include <string_view>

namespace jabberadmin::sd {

// Sends state; false when $NOTIFY_SOCKET is unset (not run by systemd) or the send failed.
bool notify(std::string_view state);

inline bool notify_ready() { return notify("READY=1"); }
// With MONOTONIC_USEC, as systemd 253's Type=notify-reload asks for; older ones ignore it.
bool notify_reloading();
inline bool notify_stopping() { return notify("STOPPING=1"); }

}  // namespace jabberadmin::sd
