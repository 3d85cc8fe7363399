#!/usr/bin/env bash
# bench/compare.sh: cl-jabberd, ejabberd and Prosody under the same XMPP load, one after
# another in one run, on loopback; prints one markdown table with ratios to ejabberd and
# writes it to bench/results/<date>.md.
#
#   bench/compare.sh [--quick] [--sizes 100,1000,5000] [--runs N] [--group-runs N] [--group-seconds S]
#                    [--servers cl-jabberd,ejabberd,prosody,ejabberd-roster-cache,cl-jabberd-nomam]
#                    [--scenarios login,chat,group,ws-login,ws-chat,muc,mam,s2s]
#                    [--pairs P] [--rates R1,R2,...] [--step-seconds S] [--group-size N]
#                    [--build-dir DIR] [--no-provisioning] [--keep] [--sm]
#                    [--mechanisms plain,scram-sha-256,fast] [--perf]
#                    [--occupants R] [--muc-rates 1,2,5,...] [--muc-senders S] [--muc-step-seconds S]
#                    [--mam-size N] [--mam-fill-seconds S] [--mam-queries Q]
#
# --scenarios ws-login,ws-chat (not in the default set) run the login storms (C = --sizes) and
# the chat (--pairs, --rates) again over WebSocket (RFC 7395: TLS, HTTP Upgrade with the
# subprotocol xmpp at /xmpp-websocket, <open/> framing; xmppload --transport websocket), on
# each server's HTTPS port: `cl-setup jabber --http-port` writes it for cl-jabberd and
# ejabberd.yml's ejabberd_http listener; Prosody gets mod_websocket on its https_ports. They
# run after the TCP storms and chat, without an idle hold (the memory those left would hide
# what a WebSocket connection costs); the report shows them as rows of their own, ratios to
# ejabberd as for TCP.
# --scenarios muc,mam (not in the default set) add the group-chat and archive scenarios:
#   muc  R occupants (default 500) in one room of the server's MUC service, S of them posting
#        at increasing rates (--muc-rates messages/s per room, --muc-step-seconds each);
#        delivered stanzas/s = messages x occupants received per second, latency p50/p99.
#   mam  10 senders fill one account's archive with N messages through the server (first run
#        only, bounded by --mam-fill-seconds), then Q queries for its last 50 messages, timed.
# Both measure capacity, not abuse limits: cl-jabberd's per-occupant room rate
# (muc_message_rate) is lifted like its other rates, and ejabberd's c2s shaper (10,000 B/s
# per client in the generated ejabberd.yml) too when muc or mam runs; Prosody loads no
# limits module. Prosody gets its muc component (with muc_mam, as the others archive rooms)
# and mod_mam on its internal storage, its per-account item limit raised above N.
#
# --scenarios s2s (not in the default set) runs the chat (--pairs, --rates) across federation:
#   two instances of cl-jabberd, and two of ejabberd, serving s2s-a.bench and s2s-b.bench,
#   each set up by `cl-setup --s2s on jabber` with settings of its own (the same slapd and
#   accounts), each pair's first user on one instance and second on the other, so that every
#   message crosses a server-to-server link. Their certificates are self-signed, so the links
#   are authenticated by dialback, as between two servers set up by default. cl-jabberd finds
#   the other by its s2s_routes, ejabberd by a DNS stub (tests/e2e/peer_servers.py's SrvStub,
#   named in its inetrc) answering _xmpp-server._tcp; cl-jabberd's s2s rates and queue are
#   lifted as its client rates are. Server CPU is both instances'. Prosody is not run.
#
# --sm adds cl-jabberd-sm: cl-jabberd again, with XEP-0198 stream management enabled by every
# client (xmppload --sm), to weigh what acknowledgements and the unacked queues cost.
# cl-jabberd-nomam, in --servers, is cl-jabberd with its message archive off ([jabber] mam = false),
# to weigh what archiving every message twice (XEP-0313) costs.
# --mechanisms runs cl-jabberd's login storms (TCP and WebSocket) once per login mechanism, each a row of its own:
# plain (cl-jabberd: SASL PLAIN, checked with an LDAP bind), scram-sha-256 (cl-jabberd-scram)
# and fast (cl-jabberd-fast: SASL2 with a FAST token and Bind2). Only the login scenarios run
# for the scram and fast rows (over TCP and WebSocket); ejabberd, when among --servers, logs in with PLAIN as always.
# --perf profiles each cl-jabberd row's first-run login storms with `perf record` (call
# graphs, 499 Hz, the server process only; for scram and fast the untimed warm-up is inside
# the profile too) and writes the top of `perf report` beside the table:
# bench/results/<date>-perf-<row>-C<size>.txt.
#
# What runs: a private slapd (cl-setup ldap), accounts from one CSV (cl-useradd --from), one
# group of 1,000 members, `cl-setup --server ejabberd jabber` (which renders ejabberd.yml),
# then each server in turn on its own loopback port, driven by bench's xmppload:
#   1. login storm, C clients (TLS, SASL PLAIN, bind, roster get, initial presence)
#   2. idle: the same C clients held connected (memory per connection, idle CPU)
#   3. chat: P pairs exchanging messages at increasing rates until the server saturates
#   4. the login storm again for the 1,000 members of one group (shared roster)
# and bench/provisioning.sh (written separately) for the provisioning table.
# Server CPU comes from /proc (slapd's counted too for the directory-backed servers), and
# xmppload reports its own CPU: the generator shares the machine with the server.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="${BUILD_DIR:-$root/build-bench}"
sizes="100,1000,5000"
runs=3
group_runs=1   # the shared-roster storm is slow on the peers (O(members) work per login)
scenarios="login,chat,group"
group_seconds=300  # its bound: a server that has not finished by then is reported as such
servers="cl-jabberd,ejabberd,prosody"
pairs=1000
rates="1000,2000,4000,8000,16000,32000,64000"
step_seconds=4
idle_seconds=10
group_size=1000
concurrency=200
provisioning=1
keep=0
quick=0
sm=0
mechanisms="plain"
perf_profile=0
occupants=500
muc_rates="1,2,5,10,20,50,100,200"
muc_senders=5
muc_step_seconds=5
mam_size=1000000
mam_fill_seconds=600
mam_queries=200
mam_senders=10
command="bench/compare.sh${*:+ $*}"

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; sizes="100,1000"; runs=1; pairs=500; step_seconds=3; idle_seconds=5; group_seconds=90 ;;
    --sizes) sizes="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --group-runs) group_runs="$2"; shift ;;
    --group-seconds) group_seconds="$2"; shift ;;
    --scenarios) scenarios="$2"; shift ;;
    --servers) servers="$2"; shift ;;
    --pairs) pairs="$2"; shift ;;
    --rates) rates="$2"; shift ;;
    --group-size) group_size="$2"; shift ;;
    --step-seconds) step_seconds="$2"; shift ;;
    --build-dir) build="$2"; shift ;;
    --no-provisioning) provisioning=0 ;;
    --keep) keep=1 ;;
    --sm) sm=1 ;;
    --mechanisms) mechanisms="$2"; shift ;;
    --perf) perf_profile=1 ;;
    --occupants) occupants="$2"; shift ;;
    --muc-rates) muc_rates="$2"; shift ;;
    --muc-senders) muc_senders="$2"; shift ;;
    --muc-step-seconds) muc_step_seconds="$2"; shift ;;
    --mam-size) mam_size="$2"; shift ;;
    --mam-fill-seconds) mam_fill_seconds="$2"; shift ;;
    --mam-queries) mam_queries="$2"; shift ;;
    -h|--help) sed -n '2,46p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

IFS=, read -r -a mechanism_list <<< "$mechanisms"
for m in "${mechanism_list[@]}"; do
  case "$m" in plain|scram-sha-256|fast) ;; *) echo "compare.sh: --mechanisms: plain, scram-sha-256 or fast, not $m" >&2; exit 2 ;; esac
done
[ "${#mechanism_list[@]}" -gt 0 ] || { echo "compare.sh: --mechanisms: none given" >&2; exit 2; }

say() { printf '[compare %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ---------------------------------------------------------------- what it needs
need_packages() {
  local missing=""
  while read -r pkg; do
    [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $pkg"
  done < "$here/packages.txt"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing:$missing -- run: sudo apt-get install -y$missing"
  fi
  say "installing$missing"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # The packages start system instances on the standard ports; we run our own.
  for s in ejabberd prosody; do
    systemctl is-active -q "$s" 2>/dev/null && systemctl stop "$s" || true
  done
}
need_packages
[ "$(id -u)" -eq 0 ] || die "run as root: ejabberd and Prosody run as their own users via setpriv"

# Always brought up to date (a no-op when it is): a table must never measure stale binaries.
say "building in $build"
[ -f "$build/CMakeCache.txt" ] ||
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DJABBERADMIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target xmppload jabberadmin_tools >/dev/null
if ! cmake --build "$build" -j"$(nproc)" --target cl-jabberd >/dev/null 2>&1; then
  rm -f "$build/server/cl-jabberd"
  say "cl-jabberd does not build: its cells will say n/a"
fi
load="$build/bench/xmppload"
# What was measured: the commit, and whether server/ or the library had uncommitted changes.
if revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
  git -C "$root" diff --quiet HEAD -- server libjabberadmin || revision="$revision + uncommitted changes"
else
  revision=$(cat "$root/.revision" 2>/dev/null || echo unknown)  # a `git archive` snapshot
fi
tools="$build/tools"
export JABBERADMIN_DATADIR="$root"   # templates/ of this tree

# ---------------------------------------------------------------- a private world in /tmp
work=$(mktemp -d /tmp/jbench-XXXXXX)   # short: the ldapi socket path must fit in sun_path
chmod 755 "$work"                      # ejabberd and prosody run as their own users
export JABBERADMIN_CONFIG="$work/jabberadmin.conf"
results="$work/results.jsonl"
: > "$results"
started_groups=()
cleanup() {
  set +e
  for g in "${started_groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  sleep 1
  for g in "${started_groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  [ -f "$work/jabberadmin.conf" ] && "$tools/cl-setup" --stop ldap >/dev/null 2>&1
  if [ "$keep" = 0 ]; then rm -rf "$work"; else say "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {  # port pid seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
group_pids() { ps -o pid= -g "$1" | tr -d ' ' | paste -sd, -; }
# Starts "$@" in its own process group (so that it is stopped whole); sets group_id.
# Not in $(...): the list of started groups must reach the EXIT trap.
start_group() {
  local log=$1; shift
  setsid "$@" </dev/null >"$log" 2>&1 &
  group_id=$!
  started_groups+=("$group_id")
}
stop_group() {
  kill -TERM -- "-$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 -- "-$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

IFS=, read -r -a size_list <<< "$sizes"
# Accounts for the scenarios that run only: creating them is slow on a loaded machine.
max_clients=0
[[ ",$scenarios," == *,login,* ]] && max_clients=$group_size  # the login storm without a group, for the shared-roster ratio
if [[ ",$scenarios," == *,login,* || ",$scenarios," == *,ws-login,* ]]; then
  for c in "${size_list[@]}"; do [ "$c" -gt "$max_clients" ] && max_clients=$c; done
fi
[[ ",$scenarios," == *,chat,* || ",$scenarios," == *,ws-chat,* || ",$scenarios," == *,s2s,* ]] &&
  [ $((2 * pairs)) -gt "$max_clients" ] && max_clients=$((2 * pairs))
members=0
[[ ",$scenarios," == *,group,* ]] && members=$group_size
[[ ",$scenarios," == *,muc,* ]] && [ "$occupants" -gt "$max_clients" ] && max_clients=$occupants
# The archive's owner and its senders: accounts of their own, after every other scenario's,
# so that no other scenario's messages land in the archive measured.
mam_first=$max_clients
[[ ",$scenarios," == *,mam,* ]] && max_clients=$((max_clients + 1 + mam_senders))
password="bench-secret-1"

say "work dir $work; sizes $sizes, $runs run(s), $pairs chat pairs, servers $servers"
ldap_port=$(free_port)
"$tools/cl-setup" --state-dir "$work/ldap" --ldap-listen "ldap://127.0.0.1:$ldap_port/" ldap >/dev/null
slapd_pid=$(cat "$work/ldap/slapd.pid")
group="Bench group"
"$tools/cl-groupadd" "$group" jabber >/dev/null
(umask 077  # it holds the passwords
{
  echo "login,nickname,group,password"
  for ((i = 0; i < max_clients; i++)); do echo "u$i,User $i,,$password"; done
  for ((i = 0; i < members; i++)); do echo "g$i,Member $i,$group,$password"; done
} > "$work/accounts.csv")
say "creating $((max_clients + members)) accounts with cl-useradd --from"
t0=$(date +%s%N)
"$tools/cl-useradd" --from "$work/accounts.csv" jabber >/dev/null
say "accounts created in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
# SCRAM and FAST need the accounts' SCRAM verifiers (authPassword), which cl-useradd writes
# beside userPassword: checked on one account, as the manager (the server may not read
# userPassword, and the verifiers are as secret as a hash: only their schemes are shown).
if [[ ",$mechanisms," == *,scram-sha-256,* || ",$mechanisms," == *,fast,* ]]; then
  IFS=$'\t' read -r base manager manager_file < <(python3 -c 'import sys, tomllib
l = tomllib.load(open(sys.argv[1], "rb"))["ldap"]
print(l["base_dn"], l["manager_dn"], l["manager_password_file"], sep="\t")' "$JABBERADMIN_CONFIG")
  schemes=$(ldapsearch -LLL -x -H "ldap://127.0.0.1:$ldap_port" -D "$manager" -y "$manager_file" \
    -o ldif-wrap=no -b "$base" '(uid=u0)' authPassword | sed -n 's/^authPassword: \([^$]*\)\$.*/\1/p' | sort | paste -sd' ' -)
  [[ " $schemes " == *" SCRAM-SHA-256 "* ]] || die "u0 has no SCRAM-SHA-256 verifier in authPassword (found: ${schemes:-none})"
  say "u0's authPassword verifiers: $schemes"
fi

ej_port=$(free_port)
# The HTTPS port of the WebSocket scenarios: in the settings for cl-jabberd and in ejabberd.yml
# (cl-setup writes both), and Prosody's https_ports. One port for all: they run one at a time.
ws_port=""
http_args=()
if [[ ",$scenarios," == *,ws-* ]]; then
  ws_port=$(free_port)
  http_args=(--http-port "$ws_port")
fi
printf 'bench-admin-pw\n' | "$tools/cl-setup" --server ejabberd --listen 127.0.0.1 --port "$ej_port" \
  --tls-port "$(free_port)" "${http_args[@]}" --state-dir "$work/jabber" jabber >/dev/null
domain=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["jabber"]["hosts"][0])' "$JABBERADMIN_CONFIG")
certfile="$work/jabber/server.pem"
say "domain $domain; ejabberd.yml rendered by cl-setup jabber"
# The benchmark measures capacity, not abuse limits: cl-jabberd's per-client rates and its
# limits on connections not yet logged in (the storms come from a few 127.x networks) are
# lifted (jabberadmin.conf(5)). ejabberd keeps the c2s shaper of its generated configuration.
sed -i '/^\[jabber\]/a stanza_rate = 0\nbyte_rate = 0\nmuc_message_rate = 0\nmax_unauthenticated = 1000000\nmax_unauthenticated_per_address = 1000000\nmax_unauthenticated_per_network = 1000000' "$JABBERADMIN_CONFIG"
# The room and archive scenarios measure the servers' fan-out and archive, not a client's
# upload allowance: ejabberd's c2s shaper is lifted for them, as cl-jabberd's byte_rate is.
if [[ ",$scenarios," == *,muc,* || ",$scenarios," == *,mam,* ]]; then
  python3 - "$work/ejabberd.yml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
old = "  c2s_shaper:\n    none: admin\n    normal: all\n"
assert old in text, "c2s_shaper rule not found in ejabberd.yml"
open(path, "w").write(text.replace(old, "  c2s_shaper:\n    none: all\n"))
PY
fi

# ---------------------------------------------------------------- the servers
# Each start_* sets: port, server_pids (comma list, sampled from /proc), ldap_pids, group_id.

start_cljabberd() {
  [ -x "$build/server/cl-jabberd" ] || return 1
  local config=${cljabberd_config:-$JABBERADMIN_CONFIG}  # run_nomam's, else the one cl-setup wrote
  port=$(free_port)
  # Tuning, as an administrator of a 2-core box would: LDAP auth workers 4 (default 2; binds are
  # synchronous per worker), the rest as shipped (32 connections per address: xmppload spreads
  # its clients over 127.1.x.y source addresses, 16 each, like clients from many hosts).
  start_group "$work/cl-jabberd.console" "$build/server/cl-jabberd" --config "$config" \
    --listen 127.0.0.1 --port "$port" --tls-port 0 --log-level warning --log-file "$work/cl-jabberd.log" \
    --auth-workers 4
  wait_port "$port" "$group_id" 20 || { tail -5 "$work/cl-jabberd.console" >&2; return 1; }
  server_pids=$group_id
  ldap_pids=$slapd_pid
}

start_ejabberd() {
  local run="$work/ejabberd-run" config="$work/ejabberd.yml"
  if [ "${1:-}" = roster-cache ]; then
    # ejabberd's default for the shared roster: cached (an hour). Faster; a regrouping then
    # shows only when the cache expires, which is why cl-setup turns it off.
    run="$work/ejabberd-cache-run"
    config="$work/ejabberd-roster-cache.yml"
    python3 - "$work/ejabberd.yml" "$config" <<'PY'
import sys
text = open(sys.argv[1]).read()
head, sep, tail = text.partition("  mod_shared_roster_ldap:\n    use_cache: false")
assert sep, "mod_shared_roster_ldap use_cache not found"
open(sys.argv[2], "w").write(head + "  mod_shared_roster_ldap:\n    use_cache: true" + tail)
PY
    chgrp ejabberd "$config"; chmod 640 "$config"
  fi
  port=$ej_port
  launch_ejabberd "$run" "$config" "$port" "jbench$$" || return 1
  server_pids=$(group_pids "$group_id")
  ldap_pids=$slapd_pid
}

launch_ejabberd() {  # run-dir config port node: started in a group of its own (group_id)
  local run=$1 config=$2
  mkdir -p "$run/spool" "$run/logs"
  cat > "$run/ejabberdctl.cfg" <<EOF
ERL_DIST_PORT=$(free_port)
ERL_OPTIONS="-setcookie jbench-$$ -kernel inet_dist_use_interface {127,0,0,1}"
EJABBERD_BYPASS_WARNINGS=true
EOF
  chown -R ejabberd:ejabberd "$run"
  # setpriv, not ejabberdctl's own su: su resets the open-files limit to 1024.
  start_group "$run/console.log" /usr/bin/setpriv --reuid=ejabberd --regid=ejabberd --init-groups \
    env HOME="$run" /usr/sbin/ejabberdctl --config-dir "$run" --ctl-config "$run/ejabberdctl.cfg" \
    --config "$config" --logs "$run/logs" --spool "$run/spool" --node "$4@localhost" foreground
  wait_port "$3" "$group_id" 60 || { tail -20 "$run/console.log" "$run/logs/ejabberd.log" >&2; return 1; }
  sleep 2  # modules finish starting after the listener opens
}

setup_prosody() {
  local dir="$work/prosody"
  mkdir -p "$dir/data"
  cp "$certfile" "$dir/server.pem"
  port=$(free_port)
  local websocket_module=""
  [ -n "$ws_port" ] && websocket_module=', "websocket"'
  # A careful administrator's Prosody 0.12: epoll, TLS required, no s2s, HTTPS only for the
  # WebSocket scenarios (mod_websocket at /xmpp-websocket), hashed passwords (SCRAM data; PLAIN
  # works against it), the groups module for the shared-roster scenario.
  cat > "$dir/prosody.cfg.lua" <<EOF
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { $ws_port }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = "$dir/server.pem", key = "$dir/server.pem" }
network_backend = "epoll"
use_libevent = false
authentication = "internal_hashed"
c2s_require_encryption = true
allow_registration = false
storage = "internal"
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "posix", "groups", "mam"$websocket_module }
modules_disabled = { "s2s", "offline" }
groups_file = "$dir/groups.txt"
ssl = { certificate = "$dir/server.pem", key = "$dir/server.pem" }
-- The message archive as cl-jabberd and ejabberd keep it: every message, for ever. The
-- internal storage's per-account limit (10,000 items by default, then the oldest are
-- dropped) is raised above the archive the mam scenario fills.
default_archive_policy = true
archive_expires_after = "never"
muc_log_expires_after = "never"
storage_archive_item_limit = $((2 * mam_size + 100000))
VirtualHost "$domain"
-- Group chat, with its rooms archived as cl-jabberd's and ejabberd's are.
Component "conference.$domain" "muc"
  modules_enabled = { "muc_mam" }
EOF
  # The group: the same 1,000 members as in LDAP (Prosody's own accounts; no LDAP module in Debian's).
  { echo "[$group]"; for ((i = 0; i < group_size; i++)); do echo "g$i@$domain"; done; } > "$dir/groups.txt"
  # Accounts: one with prosodyctl adduser; the others get a copy of its file (SCRAM-SHA-1 data,
  # 10,000 iterations: it depends only on the password and the salt, so a copy is a valid
  # account). prosodyctl costs a Lua start-up per account, ~20 minutes for 6,000.
  chown -R prosody:prosody "$dir"
  printf '%s\n%s\n' "$password" "$password" | setpriv --reuid=prosody --regid=prosody --init-groups \
    prosodyctl --config "$dir/prosody.cfg.lua" adduser "u0@$domain" >/dev/null 2>&1 || true
  local first accounts content i
  first=$(find "$dir/data" -name u0.dat -path '*/accounts/*' | head -1)
  [ -n "$first" ] || { say "prosodyctl adduser did not create u0"; return 1; }
  accounts=$(dirname "$first")
  content=$(cat "$first")
  for ((i = 1; i < max_clients; i++)); do printf '%s\n' "$content" > "$accounts/u$i.dat"; done
  for ((i = 0; i < group_size; i++)); do printf '%s\n' "$content" > "$accounts/g$i.dat"; done
  chown -R prosody:prosody "$dir"
}

start_prosody() {
  local dir="$work/prosody"
  [ -f "$dir/prosody.cfg.lua" ] || setup_prosody || return 1
  port=$(sed -n 's/^c2s_ports = { \([0-9]*\) }/\1/p' "$dir/prosody.cfg.lua")
  start_group "$dir/console.log" /usr/bin/setpriv --reuid=prosody --regid=prosody --init-groups \
    /usr/bin/prosody -F --config "$dir/prosody.cfg.lua"
  wait_port "$port" "$group_id" 30 || { tail -20 "$dir/console.log" "$dir/prosody.log" >&2; return 1; }
  server_pids=$(group_pids "$group_id")
  ldap_pids=""
}

# ---------------------------------------------------------------- the scenarios
record() {  # server run extra-json < xmppload lines
  python3 -c '
import json, sys
server, run = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"): continue
    d = json.loads(line); d["server"] = server; d["run"] = run
    print(json.dumps(d))' "$1" "$2" >> "$results"
}

xl() {  # common xmppload arguments
  local args=(--domain "$domain" --port "$port" --password-format "$password" --max-duration 600
              --server-pid "$server_pids" --concurrency "$concurrency")
  [ -n "$ldap_pids" ] && args+=(--ldap-pid "$ldap_pids")
  printf '%s\n' "${args[@]}"
}

# The profile beside the table: the share of each library, the hottest symbols (self), and
# the heaviest call paths counted with their callees (children), our own functions among them.
perf_summary() {  # perf.data
  local report=(perf report -i "$1" --stdio -g none --percent-limit 0.7)
  {
    echo "## Self time by library"; "${report[@]}" --no-children --sort dso 2>/dev/null
    echo "## Self time by symbol"; "${report[@]}" --no-children --sort dso,symbol 2>/dev/null | head -40
    echo "## Time with callees (children), by symbol"; "${report[@]}" --children --sort symbol 2>/dev/null | head -60
  } | grep -v '^# \|^#$\|^$' | sed 's/[ -]*$//'
}

run_server() {  # name start-function [xmppload arguments for every scenario]
  local name=$1 start=$2
  shift 2
  say "$name: starting"
  if ! $start; then
    say "$name: did not start"
    echo "{\"scenario\":\"start\",\"server\":\"$name\",\"error\":\"did not start\"}" >> "$results"
    return 0
  fi
  say "$name: pid(s) $server_pids, port $port"
  mapfile -t common < <(xl)
  common+=("$@")
  local run c
  for ((run = 1; run <= runs; run++)); do
    [[ ",$scenarios," == *,login,* || ",$scenarios," == *,chat,* ]] || break
    # The idle hold first, on the fresh server: memory freed by earlier storms stays in the
    # process (malloc, the Erlang VM) and would make later connections look cheaper.
    local order=("${size_list[@]}")
    if [ "$run" = 1 ]; then
      order=("$idle_size")
      for c in "${size_list[@]}"; do [ "$c" = "$idle_size" ] || order+=("$c"); done
    fi
    for c in "${order[@]}"; do
      [[ ",$scenarios," == *,login,* ]] || break
      local idle=()
      # Memory and idle CPU once, on the first run at the largest size.
      [ "$run" = 1 ] && [ "$c" = "$idle_size" ] && [ "$idle_seconds" != 0 ] && idle=(--idle-seconds "$idle_seconds")
      say "$name run $run: login storm C=$c ${idle:+and idle}"
      local profiler=""
      if [ "$perf_profile" = 1 ] && [ "$run" = 1 ] && [[ "$name" == cl-jabberd* ]]; then
        # DWARF call graphs: the Release build has no frame pointers, so -g alone would cut
        # every chain at the first optimised frame and hide who calls malloc or libcrypto.
        perf record -q -F 199 --call-graph dwarf,16384 -p "$server_pids" -o "$work/perf-$name-C$c.data" >/dev/null 2>&1 &
        profiler=$!
      fi
      "$load" "${common[@]}" --label "$name" --mode login --clients "$c" --user-format 'u{i}' "${idle[@]}" \
        2> >(grep -v '^$' >&2) | record "$name" "$run" || say "$name: xmppload failed"
      if [ -n "$profiler" ]; then
        kill -INT "$profiler" 2>/dev/null || true
        wait "$profiler" || true
        perf_summary "$work/perf-$name-C$c.data" > "$work/perf-$name-C$c.txt" || true
      fi
      sleep 2
    done
    [[ ",$scenarios," == *,chat,* ]] || continue
    say "$name run $run: chat, $pairs pairs, rates $rates"
    "$load" "${common[@]}" --label "$name" --mode chat --pairs "$pairs" --user-format 'u{i}' --rates "$rates" \
      --step-seconds "$step_seconds" | record "$name" "$run" || say "$name: xmppload failed"
    sleep 2
  done
  # The same storms and chat over WebSocket, on the HTTPS port; xmppload marks its lines
  # "transport":"websocket", which the report keeps apart from the TCP ones.
  local ws=(--transport websocket --port "$ws_port")
  for ((run = 1; run <= runs; run++)); do
    [[ ",$scenarios," == *,ws-login,* || ",$scenarios," == *,ws-chat,* ]] || break
    if [ "$run" = 1 ] && ! wait_port "$ws_port" "$group_id" 20; then
      say "$name: nothing listens on the HTTPS port $ws_port"
      echo "{\"scenario\":\"ws-start\",\"server\":\"$name\",\"error\":\"no HTTPS listener\"}" >> "$results"
      break
    fi
    for c in "${ws_size_list[@]}"; do
      [[ ",$scenarios," == *,ws-login,* ]] || break
      say "$name run $run: login storm over WebSocket C=$c"
      "$load" "${common[@]}" "${ws[@]}" --label "$name" --mode login --clients "$c" --user-format 'u{i}' \
        2> >(grep -v '^$' >&2) | record "$name" "$run" || say "$name: xmppload failed"
      sleep 2
    done
    [[ ",$scenarios," == *,ws-chat,* ]] || continue
    say "$name run $run: chat over WebSocket, $pairs pairs, rates $rates"
    "$load" "${common[@]}" "${ws[@]}" --label "$name" --mode chat --pairs "$pairs" --user-format 'u{i}' --rates "$rates" \
      --step-seconds "$step_seconds" | record "$name" "$run" || say "$name: xmppload failed"
    sleep 2
  done
  for ((run = 1; run <= runs; run++)); do
    [[ ",$scenarios," == *,muc,* ]] || break
    say "$name run $run: muc, $occupants occupants, rates $muc_rates msg/s"
    # A room of its own per run: every run starts from an empty room.
    "$load" "${common[@]}" --label "$name" --mode muc --clients "$occupants" --user-format 'u{i}' --room "bench$run" \
      --senders "$muc_senders" --rates "$muc_rates" --step-seconds "$muc_step_seconds" --join-timeout 180 \
      | record "$name" "$run" || say "$name: xmppload failed"
    sleep 2
  done
  for ((run = 1; run <= runs; run++)); do
    [[ ",$scenarios," == *,mam,* ]] || break
    # The archive is filled once, by the first run; the later runs query it again.
    local fill=0
    [ "$run" = 1 ] && fill=$mam_size
    say "$name run $run: mam, filling $fill messages, $mam_queries queries"
    "$load" "${common[@]}" --label "$name" --mode mam --first "$mam_first" --user-format 'u{i}' --senders "$mam_senders" \
      --mam-size "$fill" --mam-fill-seconds "$mam_fill_seconds" --mam-queries "$mam_queries" --mam-query-seconds 60 \
      --drain-seconds 30 --max-duration $((mam_fill_seconds + 300)) | record "$name" "$run" || say "$name: xmppload failed"
    sleep 2
  done
  # The shared-roster storm last: a peer that falls behind on it (ejabberd does) stays busy
  # long after, and would slow whatever came next.
  for ((run = 1; run <= group_runs; run++)); do
    [[ ",$scenarios," == *,group,* ]] || break
    say "$name run $run: shared roster, $group_size members of one group"
    "$load" "${common[@]}" --label "$name" --mode login --clients "$group_size" --user-format 'g{i}' \
      --login-timeout 120 --max-duration "$group_seconds" | sed 's/"scenario":"login"/"scenario":"group-login"/' | record "$name" "$run" \
      || say "$name: xmppload failed"
    sleep 2
  done
  stop_group "$group_id"
}

# ---------------------------------------------------------------- federation (--scenarios s2s)
s2s_domains=(s2s-a.bench s2s-b.bench)
s2s_c2s=() s2s_s2s=()
# Instance i (0, 1) in $work/s2s-i: settings copied from the main ones, then `cl-setup --s2s on
# jabber` for its domain and ports, which writes its data directory, certificate and ejabberd.yml.
setup_s2s() {
  local i dir
  [ -f "$work/s2s-1/jabberadmin.conf" ] && return 0
  for i in 0 1; do
    dir="$work/s2s-$i"
    mkdir -p "$dir"
    cp -p "$JABBERADMIN_CONFIG" "$dir/jabberadmin.conf"
    s2s_c2s[i]=$(free_port)
    s2s_s2s[i]=$(free_port)
    printf 'bench-admin-pw\n' | JABBERADMIN_CONFIG="$dir/jabberadmin.conf" "$tools/cl-setup" --server ejabberd \
      --listen 127.0.0.1 --port "${s2s_c2s[i]}" --tls-port "$(free_port)" --http-port 0 --hosts "${s2s_domains[i]}" \
      --s2s on --s2s-port "${s2s_s2s[i]}" --state-dir "$dir/jabber" jabber >/dev/null || return 1
    chmod 755 "$dir"
  done
  # cl-jabberd: the other instance by the route map; its links as unmetered as its clients.
  for i in 0 1; do
    sed -i "/^\[jabber\]/a s2s_routes = ['${s2s_domains[1 - i]}=127.0.0.1:${s2s_s2s[1 - i]}']\ns2s_stanza_rate = 0\ns2s_byte_rate = 0\ns2s_queue_size = 1000000" \
      "$work/s2s-$i/jabberadmin.conf"
  done
}

start_cljabberd_s2s() {  # sets server_pids (both instances') and group_ids
  local i dir
  server_pids="" group_ids=()
  [ -x "$build/server/cl-jabberd" ] || return 1
  for i in 0 1; do
    dir="$work/s2s-$i"
    start_group "$dir/cl-jabberd.console" "$build/server/cl-jabberd" --config "$dir/jabberadmin.conf" \
      --port "${s2s_c2s[i]}" --tls-port 0 --log-level warning --log-file "$dir/cl-jabberd.log" --auth-workers 4
    group_ids+=("$group_id")
    wait_port "${s2s_c2s[i]}" "$group_id" 20 || { tail -5 "$dir/cl-jabberd.console" >&2; return 1; }
    server_pids+=${server_pids:+,}$group_id
  done
}

start_ejabberd_s2s() {
  local i dir dns_port=""
  server_pids="" group_ids=()
  # The DNS stub both ejabberd nodes ask (their inetrc names it, and nothing else).
  start_group "$work/s2s-dns.log" python3 -u -c 'import sys, time
sys.path.insert(0, sys.argv[1])
from peer_servers import SrvStub
stub = SrvStub({sys.argv[2]: int(sys.argv[3]), sys.argv[4]: int(sys.argv[5])})
print(stub.port)
time.sleep(7200)' "$root/tests/e2e" "${s2s_domains[0]}" "${s2s_s2s[0]}" "${s2s_domains[1]}" "${s2s_s2s[1]}"
  group_ids+=("$group_id")
  for _ in $(seq 50); do dns_port=$(head -1 "$work/s2s-dns.log" 2>/dev/null); [ -n "$dns_port" ] && break; sleep 0.1; done
  [ -n "$dns_port" ] || { say "the DNS stub did not start: $(cat "$work/s2s-dns.log")"; return 1; }
  for i in 0 1; do
    dir="$work/s2s-$i"
    mkdir -p "$dir/ejabberd-run"
    printf '{resolv_conf, ""}.\n{nameserver, {127,0,0,1}, %s}.\n' "$dns_port" > "$dir/ejabberd-run/inetrc"
    launch_ejabberd "$dir/ejabberd-run" "$dir/ejabberd.yml" "${s2s_c2s[i]}" "jbench-s2s$i-$$" || return 1
    group_ids+=("$group_id")
    server_pids+=${server_pids:+,}$(group_pids "$group_id")
  done
}

run_s2s() {  # name start-function
  local name=$1 start=$2 run g
  [[ ",$scenarios," == *,s2s,* ]] || return 0
  setup_s2s || { say "$name: cl-setup could not set up the two instances"; return 0; }
  say "$name: two instances for the chat across federation"
  if ! $start; then
    say "$name: the two instances did not start"
    echo "{\"scenario\":\"s2s-chat\",\"server\":\"$name\",\"error\":\"did not start\"}" >> "$results"
  else
    for ((run = 1; run <= runs; run++)); do
      say "$name run $run: chat across federation, $pairs pairs, rates $rates"
      "$load" --domain "${s2s_domains[0]}" --port "${s2s_c2s[0]}" --peer-domain "${s2s_domains[1]}" \
        --peer-port "${s2s_c2s[1]}" --password-format "$password" --max-duration 600 --server-pid "$server_pids" \
        --ldap-pid "$slapd_pid" --concurrency "$concurrency" --label "$name" --mode chat --pairs "$pairs" \
        --user-format 'u{i}' --rates "$rates" --step-seconds "$step_seconds" \
        | sed 's/"scenario":"chat"/"scenario":"s2s-chat"/' | record "$name" "$run" || say "$name: xmppload failed"
      sleep 2
    done
  fi
  for g in "${group_ids[@]}"; do stop_group "$g"; done
}

idle_size=${size_list[-1]}
ws_size_list=("${size_list[@]}")  # before the group-size baseline below: that one is TCP's
# The no-group baseline for the shared-roster scenario: C = group size, if not among the sizes.
if [[ ",$sizes," != *",$group_size,"* ]]; then size_list+=("$group_size"); fi

IFS=, read -r -a server_list <<< "$servers"
if [ "$sm" = 1 ] && [[ ",$servers," != *,cl-jabberd-sm,* ]]; then server_list+=(cl-jabberd-sm); fi
# A row of cl-jabberd's login storms with another mechanism: the login scenarios only (TCP
# and WebSocket, as asked), and no idle hold (its warm-up logins have grown the heap already,
# so the memory per connection would be understated). The dynamic scope of `local` makes
# run_server see both.
run_mechanism() {  # name mechanism
  local storms=""
  [[ ",$scenarios," == *,login,* ]] && storms=login
  [[ ",$scenarios," == *,ws-login,* ]] && storms=${storms:+$storms,}ws-login
  [ -n "$storms" ] || return 0
  local scenarios=$storms idle_seconds=0
  run_server "$1" start_cljabberd --mechanism "$2"
}
# The same settings with the message archive off, for the cl-jabberd-nomam row (the dynamic
# scope of `local` makes start_cljabberd see the file).
run_nomam() {
  local cljabberd_config="$work/jabberadmin-nomam.conf"
  cp -p "$JABBERADMIN_CONFIG" "$cljabberd_config"
  sed -i '/^\[jabber\]/a mam = false' "$cljabberd_config"
  run_server cl-jabberd-nomam start_cljabberd
}
for s in "${server_list[@]}"; do
  case "$s" in
    cl-jabberd)
      for m in "${mechanism_list[@]}"; do
        case "$m" in
          plain) run_server cl-jabberd start_cljabberd ;;
          scram-sha-256) run_mechanism cl-jabberd-scram scram-sha-256 ;;
          fast) run_mechanism cl-jabberd-fast fast ;;
        esac
      done
      run_s2s cl-jabberd start_cljabberd_s2s ;;
    cl-jabberd-sm) run_server cl-jabberd-sm start_cljabberd --sm ;;
    cl-jabberd-nomam) run_nomam ;;
    ejabberd) run_server ejabberd start_ejabberd; run_s2s ejabberd start_ejabberd_s2s ;;
    ejabberd-roster-cache) run_server ejabberd-roster-cache "start_ejabberd roster-cache" ;;
    prosody) run_server prosody start_prosody ;;
    *) die "unknown server $s" ;;
  esac
done

provisioning_md=""
if [ "$provisioning" = 1 ] && [ -x "$here/provisioning.sh" ]; then
  say "provisioning: bench/provisioning.sh"
  provisioning_md=$(BIN="$tools" "$here/provisioning.sh" 1000 20 2>"$work/provisioning.err" \
    || { tail -5 "$work/provisioning.err" >&2; true; })
fi

mkdir -p "$here/results"
out="$here/results/$(date +%Y-%m-%d-%H%M).md"
cp "$results" "${out%.md}.jsonl"
for profile in "$work"/perf-*.txt; do
  [ -s "$profile" ] && cp "$profile" "${out%.md}-$(basename "$profile")"
done
python3 "$here/report.py" "$results" --sizes "$sizes" --group-size "$group_size" --runs "$runs" \
  --command "$command" --cores "$(nproc)" --revision "$revision" --provisioning "$provisioning_md" > "$out"
cat "$out"
say "table written to $out"
