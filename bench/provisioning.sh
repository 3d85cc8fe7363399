#!/usr/bin/env bash
# Scripted provisioning, measured: N accounts (default 1000) made three ways against one
# private slapd, in one run, each way under its own names so none finds the others' entries:
#   loop     a shell loop of `printf 'bench-pw\n' | cl-useradd -p -c NICK -g GROUP loopI jabber`
#   --from   one `cl-useradd --from users.csv jabber` with the same fields
#   ldapadd  raw `ldapadd` of an LDIF with the same attributes and {CRYPT} SHA-512 hashes
#            computed beforehand (the hashing is timed apart: cl-useradd hashes inside)
# then the per-call cost of one cl-useradd: median of R runs of --version (start-up only)
# and of R real adds. Prints markdown tables. Loopback only; slapd is stopped and the
# temporary directory removed at the end, also on failure or Ctrl-C.
#
# usage: bench/provisioning.sh [N] [R]      (env BIN: the built tools, default build/tools)
set -euo pipefail

N=${1:-1000}
R=${2:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-$HERE/../build/tools}
BIN=$(cd "$BIN" && pwd)
# One group per way, so each way fills an empty group of its own (a group lookup may grow
# with the group's size: the comparison stays fair whatever the order).
GROUP_ONE="Сотрудники 0" GROUP_LOOP="Сотрудники 1" GROUP_CSV="Сотрудники 2" GROUP_RAW="Сотрудники 3"
PHASE_TIMEOUT=${PHASE_TIMEOUT:-900}   # seconds per phase: bounded even on a very slow machine

[[ $N =~ ^[0-9]+$ && $N -ge 1 && $N -le 100000 ]] || { echo "N must be 1..100000" >&2; exit 2; }
[[ $R =~ ^[0-9]+$ && $R -ge 1 && $R -le 1000 ]] || { echo "R must be 1..1000" >&2; exit 2; }
for t in cl-setup cl-useradd cl-groupadd; do
  [[ -x $BIN/$t ]] || { echo "no $BIN/$t: build first (cmake --build build), or set BIN" >&2; exit 2; }
done
for t in ldapadd ldapsearch python3 slapd; do
  command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || { echo "$t is missing" >&2; exit 2; }
done

# Short path: the ldapi socket path must fit in sun_path.
TMP=$(mktemp -d /tmp/ja-bench-XXXXXX)
export JABBERADMIN_CONFIG=$TMP/jabberadmin.conf
export LANG=C.UTF-8 LC_ALL= LANGUAGE=
cleanup() {
  "$BIN/cl-setup" --stop ldap >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=dc=jabberadmin
"$BIN/cl-setup" --state-dir "$TMP/ldap" --base-dn "$BASE" --ldap-listen "ldap://127.0.0.1:$PORT/" ldap >"$TMP/setup.log"
for g in "$GROUP_ONE" "$GROUP_LOOP" "$GROUP_CSV" "$GROUP_RAW"; do "$BIN/cl-groupadd" "$g" jabber; done

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds
count() {  # entries whose uid starts with $1
  ldapsearch -LLL -x -H "ldap://127.0.0.1:$PORT" -D "cn=admin,$BASE" -y "$TMP/ldap/manager.secret" \
    -b "ou=Users,ou=Jabber,ou=Services,$BASE" "(uid=$1*)" dn | grep -c '^dn:' || true
}
# CPU time in microseconds: slapd's (from /proc), and this shell's finished children's.
slapd_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1e6 / hz }' "/proc/$(cat "$TMP/ldap/slapd.pid")/stat"; }
# (`times` must run in this shell itself: in $(...) it would see the subshell's children.)
children_cpu() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1e6 }' "$TMP/times"; }
# start NAME / stop NAME: wall, slapd CPU and client CPU of one phase, in microseconds.
start() { times >"$TMP/times"; eval "C_$1=$(children_cpu) S_$1=$(slapd_cpu) W_$1=$(now)"; }
stop() {
  eval "W_$1=\$(($(now) - W_$1))"
  times >"$TMP/times"
  eval "S_$1=\$(($(slapd_cpu) - S_$1)) C_$1=\$(($(children_cpu) - C_$1))"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The inputs, made before any clock starts: a CSV for --from, an LDIF with hashes for ldapadd.
python3 -W ignore::DeprecationWarning - "$N" "$GROUP_CSV" "$GROUP_RAW" "$BASE" "$TMP" <<'EOF'
import base64, crypt, sys, time
n, group, raw_group, base, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
with open(f"{tmp}/users.csv", "w", encoding="utf-8") as csv, \
     open(f"{tmp}/nogroup.csv", "w", encoding="utf-8") as nogroup:
    csv.write("login,nickname,group,password\n")
    for i in range(1, n + 1):
        csv.write(f"csv{i},Csv {i},{group},bench-pw{i}\n")
        nogroup.write(f"ng{i},Ng {i},,bench-pw{i}\n")
def b64(text): return base64.b64encode(text.encode()).decode()
# CPU time, not wall time: on a busy machine the wall clock would charge others' work to it.
start = time.process_time()
hashes = [crypt.crypt(f"bench-pw{i}", crypt.mksalt(crypt.METHOD_SHA512)) for i in range(1, n + 1)]
hashing = time.process_time() - start
with open(f"{tmp}/users.ldif", "w", encoding="ascii") as ldif:
    for i, h in enumerate(hashes, 1):
        name = f"raw{i}"
        ldif.write(f"dn: uid={name},ou=Users,ou=Jabber,ou=Services,{base}\n"
                   "objectClass: inetOrgPerson\nobjectClass: shadowAccount\n"
                   f"uid: {name}\ncn: Raw {i}\nsn: {name}\nmail: {name}@bench.invalid\n"
                   f"userPassword:: {b64('{CRYPT}' + h)}\ndepartmentNumber:: {b64(raw_group)}\n\n")
with open(f"{tmp}/hashing.us", "w") as out: out.write(str(int(hashing * 1e6)))
EOF
HASH_US=$(cat "$TMP/hashing.us")

echo "Measuring $N accounts each way on $(nproc) cores ($(uname -r)), slapd $(slapd -VV 2>&1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)..." >&2

# Per call, first, while the directory is small: R runs of --version (start-up only), R real
# adds without a group and R with one (each its own name).
declare -a version_us add_us addg_us
for ((i = 1; i <= R; i++)); do
  t0=$(now); "$BIN/cl-useradd" --version >/dev/null; version_us+=($(($(now) - t0)))
  t0=$(now); printf 'bench-pw\n' | "$BIN/cl-useradd" -p "one$i" jabber >/dev/null; add_us+=($(($(now) - t0)))
  t0=$(now); printf 'bench-pw\n' | "$BIN/cl-useradd" -p -g "$GROUP_ONE" "oneg$i" jabber >/dev/null; addg_us+=($(($(now) - t0)))
done
VERSION_MED=$(printf '%s\n' "${version_us[@]}" | median)
ADD_MED=$(printf '%s\n' "${add_us[@]}" | median)
ADDG_MED=$(printf '%s\n' "${addg_us[@]}" | median)

# 1. A shell loop of cl-useradd -p (a process, a connection and a bind per account).
start LOOP
timeout "$PHASE_TIMEOUT" bash -c '
  for ((i = 1; i <= $1; i++)); do
    printf "bench-pw%d\n" "$i" | "$2/cl-useradd" -p -c "Loop $i" -g "$3" "loop$i" jabber >/dev/null
  done' _ "$N" "$BIN" "$GROUP_LOOP"
stop LOOP

# 2. One cl-useradd --from (one process, one connection).
start FROM
timeout "$PHASE_TIMEOUT" "$BIN/cl-useradd" --from "$TMP/users.csv" jabber >"$TMP/from.out"
stop FROM

# 2b. The same without the group column: what one group lookup per line costs.
start NOGROUP
timeout "$PHASE_TIMEOUT" "$BIN/cl-useradd" --from "$TMP/nogroup.csv" jabber >"$TMP/nogroup.out"
stop NOGROUP

# 3. Raw ldapadd of the same entries, hashes already made.
start LDAPADD
timeout "$PHASE_TIMEOUT" ldapadd -x -H "ldap://127.0.0.1:$PORT" -D "cn=admin,$BASE" -y "$TMP/ldap/manager.secret" \
  -f "$TMP/users.ldif" >/dev/null
stop LDAPADD

for prefix in loop csv ng raw; do
  got=$(count "$prefix")
  [[ $got -eq $N ]] || { echo "expected $N '$prefix' accounts, found $got" >&2; exit 1; }
done

python3 - "$N" "$W_LOOP" "$W_FROM" "$W_NOGROUP" "$W_LDAPADD" "$HASH_US" "$VERSION_MED" "$ADD_MED" "$ADDG_MED" "$R" \
  "$S_LOOP" "$S_FROM" "$S_NOGROUP" "$S_LDAPADD" "$C_LOOP" "$C_FROM" "$C_NOGROUP" "$C_LDAPADD" <<'EOF'
import sys
(n, loop, frm, nogroup, ldapadd, hashing, version, add, addg, r,
 s_loop, s_frm, s_nogroup, s_ldapadd, c_loop, c_frm, c_nogroup, c_ldapadd) = (float(a) for a in sys.argv[1:])
n = int(n)
def row(name, us, slapd=None, client=None, note=""):
    rate = n / (us / 1e6)
    cpu = lambda v: "" if v is None else f"{v / 1e3 / n:.2f}"
    print(f"| {name} | {us / 1e6:.2f} | {rate:.0f} | {us / 1e3 / n:.2f} | {rate / (n / (ldapadd / 1e6)):.2f} "
          f"| {cpu(slapd)} | {cpu(client)} | {note} |")
print(f"\n{n} accounts each, one run:\n")
print("| way | seconds | accounts/s | ms per account | rate vs ldapadd | slapd CPU ms/account | client CPU ms/account | note |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
row("shell loop of `cl-useradd -p -g`", loop, s_loop, c_loop, "a process, connection, bind and hash per account")
row("`cl-useradd --from` (with group)", frm, s_frm, c_frm, "one process; hashes inside")
row("`cl-useradd --from` (no group)", nogroup, s_nogroup, c_nogroup, "same, group column empty")
row("raw `ldapadd`", ldapadd, s_ldapadd, c_ldapadd, "hashes made beforehand, not timed")
row("raw `ldapadd` + hashing", ldapadd + hashing, None, None, f"SHA-512 crypt alone: {hashing / 1e3 / n:.2f} ms CPU per account")
print(f"\nOne `cl-useradd` call, median of {int(r)}, measured first (directory nearly empty):\n")
print("| call | ms |")
print("|---|---:|")
print(f"| `cl-useradd --version` (start-up only) | {version / 1e3:.1f} |")
print(f"| `cl-useradd -p NAME` (a real add) | {add / 1e3:.1f} |")
print(f"| `cl-useradd -p -g GROUP NAME` (a real add into a group) | {addg / 1e3:.1f} |")
own = (add - nogroup / n) / 1e3
print(f"| its own overhead: real add minus one `--from` account (no group) | {own:.1f} |")
print(f"\nTargets: --from at least half of ldapadd's rate: with group {'met' if frm <= 2 * ldapadd else 'MISSED'} "
      f"({ldapadd / frm:.2f}x), without {'met' if nogroup <= 2 * ldapadd else 'MISSED'} ({ldapadd / nogroup:.2f}x); "
      f"one call under 20 ms of its own overhead: {'met' if own < 20 else 'MISSED'} ({own:.1f} ms)")
EOF
