#!/usr/bin/env python3
"""Turns compare.sh's results (xmppload JSON lines tagged with server and run) into one
markdown table: medians over the runs, ratios to ejabberd, and the targets of issue 7.
A cell with no measurement says why (n/a ...); nothing is ever estimated."""
import argparse
import datetime
import json
import statistics
import sys

SERVERS = ["cl-jabberd", "cl-jabberd-scram", "cl-jabberd-fast", "cl-jabberd-sm", "cl-jabberd-nomam", "ejabberd",
           "prosody", "ejabberd-roster-cache"]
NAMES = {"cl-jabberd": "cl-jabberd", "cl-jabberd-sm": "cl-jabberd, XEP-0198 on",
         "cl-jabberd-nomam": "cl-jabberd, MAM off", "ejabberd": "ejabberd",
         "cl-jabberd-scram": "cl-jabberd, SCRAM-SHA-256⁴", "cl-jabberd-fast": "cl-jabberd, FAST⁴",
         "prosody": "Prosody¹", "ejabberd-roster-cache": "ejabberd, roster cache on³"}


def load(path):
    """The lines, each measured over WebSocket under a scenario of its own (ws-login, ws-chat)."""
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                row = json.loads(line)
                if row.get("transport") == "websocket" and "scenario" in row:
                    row["scenario"] = "ws-" + row["scenario"]
                rows.append(row)
    return rows


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=None):
    if v is None:
        return None
    if digits is None:
        digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    return f"{v:,.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--group-size", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--command", default="bench/compare.sh")
    ap.add_argument("--cores", default="?")
    ap.add_argument("--provisioning", default="")
    ap.add_argument("--revision", default="unknown")
    a = ap.parse_args()
    rows = load(a.results)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    present = [s for s in SERVERS if any(r["server"] == s for r in rows)]
    broken = {r["server"]: r.get("error", "failed") for r in rows if r.get("scenario") == "start"}

    def pick(server, scenario, clients=None):
        return [r for r in rows if r["server"] == server and r.get("scenario") == scenario
                and (clients is None or r.get("clients") == clients)]

    def metric(server, scenario, key, clients=None, scale=1.0):
        vals = [r.get(key) for r in pick(server, scenario, clients)]
        m = median([v * scale for v in vals if isinstance(v, (int, float))])
        return m

    def failures(server, scenario, clients):
        rs = pick(server, scenario, clients)
        return sum(r.get("failed", 0) for r in rs), sum(r.get("clients", 0) for r in rs)

    lines = []
    table = []  # (scenario, metric, better, target, {server: (value, text)})

    def add(scenario, name, better, target, values, digits=None, notes=None):
        cells = {}
        for s in present:
            if s in broken:
                cells[s] = (None, "n/a (did not start)")
                continue
            v = values.get(s)
            note = (notes or {}).get(s)
            if isinstance(v, str):
                cells[s] = (None, v)
            elif v is None:
                cells[s] = (None, "n/a")
            else:
                cells[s] = (v, fmt(v, digits) + (f" {note}" if note else ""))
        table.append((scenario, name, better, target, cells))

    ran = {r.get("scenario") for r in rows}
    # 1. login storms, 2. idle
    login_section(sizes, present, metric, failures, add, "login", "1. Login storm") if "login" in ran else None
    idle = [r for r in rows if r.get("scenario") == "idle"]
    if idle:
        c = idle[0].get("clients")
        sc = f"2. Idle, C={c:,}"
        add(sc, "server RSS per connection, KiB", "↓", "≤ 0.33×", {s: metric(s, "idle", "server_kib_per_connection") for s in present})
        add(sc, "server CPU while idle, % of a core", "↓", "", {s: metric(s, "idle", "server_cpu_pct") for s in present}, digits=2)

    # 3. chat: saturation, and latency at the highest rate every server kept up with
    chat_section(a, present, pick, metric, add) if "chat" in ran else None
    # 4. shared roster
    group_section(a, rows, present, pick, metric, failures, broken, add) if "group-login" in ran else None
    # 5. room fan-out, 6. archive
    step_lines = muc_section(present, pick, metric, add) if "muc" in ran else []
    mam_section(present, pick, metric, add) if "mam" in ran else None
    # 7., 8. the login storms and the chat again over WebSocket (RFC 7395)
    login_section(sizes, present, metric, failures, add, "ws-login", "7. Login storm over WebSocket") if "ws-login" in ran else None
    chat_section(a, present, pick, metric, add, "ws-chat", "8. Chat over WebSocket", "") if "ws-chat" in ran else None
    # 9. the chat across federation, between two instances of each server
    chat_section(a, present, pick, metric, add, "s2s-chat", "9. Chat across federation, two servers of each", "") \
        if "s2s-chat" in ran else None

    # print
    print_table(a, rows, present, table, lines, broken, step_lines, pick)


def login_section(sizes, present, metric, failures, add, scenario, title):
    for c in sizes:
        sc = f"{title}, C={c:,}"
        notes = {}
        for s in present:
            failed, total = failures(s, scenario, c)
            if failed:
                notes[s] = f"({failed:,} of {total:,} failed)"
        add(sc, "logins/s", "↑", "≥ 2×", {s: metric(s, scenario, "logins_per_s", c) for s in present}, notes=notes)
        add(sc, "login time p50, ms", "↓", "", {s: metric(s, scenario, "login_p50_ms", c) for s in present})
        add(sc, "login time p99, ms", "↓", "", {s: metric(s, scenario, "login_p99_ms", c) for s in present})
        vals = {}
        for s in present:
            v = metric(s, scenario, "server_plus_ldap_cpu_s_per_1000_logins", c)
            vals[s] = v if v is not None else metric(s, scenario, "server_cpu_s_per_1000_logins", c)
        add(sc, "server CPU s / 1,000 logins (slapd incl.²)", "↓", "", vals)
        add(sc, "slapd share of that, s", "", "", {s: (lambda v, n: v / n * 1000 if v is not None and n else None)(
            metric(s, scenario, "ldap_cpu_s", c), metric(s, scenario, "ok", c)) for s in present})
        add(sc, "generator CPU s / 1,000 logins", "", "", {s: metric(s, scenario, "gen_cpu_s_per_1000_logins", c) for s in present})


def chat_section(a, present, pick, metric, add, scenario="chat", title="3. Chat", latency_target="≤ 0.5×"):
    chats = {s: pick(s, scenario) for s in present}
    kept = {}
    for s, rs in chats.items():
        for r in rs:
            for st in r.get("steps", []):
                ok = st.get("missing_after_drain", 1) == 0 and st.get("p99_ms", 1e9) < 1000 \
                    and st.get("delivered_per_s", 0) >= 0.9 * st.get("rate", 0)
                kept.setdefault(s, {}).setdefault(st["rate"], []).append(ok)
    def highest_kept(servers):
        found = None
        rates = sorted({rate for s in servers for rate in kept.get(s, {})})
        for rate in rates:
            if all(kept.get(s, {}).get(rate) and all(kept[s][rate]) for s in servers):
                found = rate
        return found
    with_chat = [s for s in present if chats.get(s)]
    common = highest_kept(with_chat) if with_chat else None
    # Also the highest rate that cl-jabberd and ejabberd both kept up with in every run.
    pair = [s for s in ("cl-jabberd", "ejabberd") if s in with_chat]
    common_pair = highest_kept(pair) if len(pair) == 2 else None
    sc = f"{title}, {max((r.get('pairs', 0) for s in with_chat for r in chats[s]), default=0):,} pairs"
    add(sc, "delivered msg/s at saturation", "↑", "≥ 2×", {s: metric(s, scenario, "saturation_delivered_per_s") for s in present})
    # xmppload says -1 when not even the first step was kept up with
    add(sc, "highest offered rate kept up (no loss, p99 < 1 s)", "↑", "", {s: (lambda v: "none" if v is not None and v < 0 else v)(
        metric(s, scenario, "highest_rate_kept_up")) for s in present})

    def at_rate(s, key, rate):
        vals = []
        for r in chats.get(s, []):
            for st in r.get("steps", []):
                if st["rate"] == rate:
                    vals.append(st.get(key))
        return median(vals)
    for rate, who in ((common, "every server"), (common_pair, "cl-jabberd and ejabberd")):
        if rate is None or (who != "every server" and rate == common):
            continue
        add(sc, f"latency p50 at {rate:,.0f} msg/s ({who} kept up), ms", "↓", "",
            {s: at_rate(s, "p50_ms", rate) for s in present}, digits=2)
        add(sc, f"latency p99 at {rate:,.0f} msg/s ({who} kept up), ms", "↓", latency_target,
            {s: at_rate(s, "p99_ms", rate) for s in present}, digits=2)
    add(sc, "messages lost (all runs)", "↓", "0", {s: (sum(r.get("lost", 0) for r in chats[s]) if chats.get(s) else None) for s in present}, digits=0)
    add(sc, "server CPU s / 100,000 messages", "↓", "", {s: metric(s, scenario, "server_cpu_s_per_100k_messages") for s in present})
    add(sc, "generator CPU s / 100,000 messages", "", "", {s: median([r["gen_cpu_s"] / r["received"] * 1e5 for r in chats.get(s, []) if r.get("received")]) for s in present})



def group_section(a, rows, present, pick, metric, failures, broken, add):
    g = a.group_size
    sc = f"4. Shared roster: login storm of {g:,} members of one group"
    group_vals, ratio_vals, p99_vals, items = {}, {}, {}, {}
    any_group = any(r.get("scenario") == "group-login" for r in rows)
    for s in present:
        rs = pick(s, "group-login")
        if not rs:
            if s in ("cl-jabberd-scram", "cl-jabberd-fast") or not any_group:
                group_vals[s] = p99_vals[s] = ratio_vals[s] = "not run"
            elif s not in broken:
                group_vals[s] = p99_vals[s] = ratio_vals[s] = "no result (the generator hit --max-duration)"
            continue
        aborted = [r for r in rs if r.get("aborted")]
        if aborted:
            r = aborted[0]
            group_vals[s] = p99_vals[s] = ratio_vals[s] = (
                f"did not finish: {r.get('ok', 0):,} of {r.get('clients', 0):,} logged in "
                f"within {r.get('wall_s', 0):,.0f} s")
            items[s] = median([x.get("roster_items_avg") for x in rs])
            continue
        items[s] = median([r.get("roster_items_avg") for r in rs])
        if items[s] is not None and items[s] < 1:
            group_vals[s] = ratio_vals[s] = p99_vals[s] = "n/a (not implemented: empty roster)"
            continue
        group_vals[s] = metric(s, "group-login", "login_p50_ms")
        p99_vals[s] = metric(s, "group-login", "login_p99_ms")
        base = metric(s, "login", "login_p50_ms", g)
        ratio_vals[s] = group_vals[s] / base if group_vals[s] is not None and base else None
    add(sc, "roster items received per login", "", "", items)
    gnotes = {}
    for s in present:
        failed, total = failures(s, "group-login", None)
        if failed and not isinstance(group_vals.get(s), str):
            gnotes[s] = f"({failed:,} of {total:,} failed)"
    add(sc, "login time p50 with the group, ms", "↓", "", group_vals, notes=gnotes)
    add(sc, "login time p99 with the group, ms", "↓", "", p99_vals)
    add(sc, "p50 with group ÷ p50 without (same C)", "↓", "≤ 2 (own)", ratio_vals, digits=2)
    add(sc, "server CPU s / 1,000 logins (slapd incl.²)", "↓", "", {s: group_vals[s] if isinstance(group_vals.get(s), str) else (lambda v: v if v is not None else metric(s, "group-login", "server_cpu_s_per_1000_logins"))(metric(s, "group-login", "server_plus_ldap_cpu_s_per_1000_logins")) for s in present})



def steps_of(rs):
    return [st for r in rs for st in r.get("steps", [])]


def muc_section(present, pick, metric, add):
    """Room fan-out: the summary rows, and the per-step lines printed under the table."""
    mucs = {s: pick(s, "muc") for s in present}
    occupants = max((r.get("occupants", 0) for rs in mucs.values() for r in rs), default=0)
    sc = f"5. Room fan-out, one room of {occupants:,} occupants"
    add(sc, "occupants in the room (fewest of the runs)", "", "",
        {s: min((r.get("occupants", 0) for r in mucs[s]), default=None) for s in present}, digits=0)
    add(sc, "time for all to enter, s", "↓", "", {s: metric(s, "muc", "join_s") for s in present})
    add(sc, "delivered stanzas/s at saturation", "↑", "≥ 3×", {s: metric(s, "muc", "saturation_delivered_per_s") for s in present})
    add(sc, "highest offered msg/s kept up (all copies, p99 < 1 s)", "↑", "",
        {s: metric(s, "muc", "highest_rate_kept_up") for s in present})
    kept = {s: [r.get("highest_rate_kept_up", -1) for r in mucs[s]] for s in present if mucs[s]}
    common = min((min(v) for v in kept.values()), default=-1)
    if common > 0:
        for key, label in (("p50_ms", "p50"), ("p99_ms", "p99")):
            add(sc, f"latency {label} at {common:,.0f} msg/s (every server kept up), ms", "↓", "",
                {s: median([st.get(key) for st in steps_of(mucs[s]) if st["rate"] == common]) for s in present}, digits=2)
    add(sc, "server CPU s / 100,000 stanzas delivered", "↓", "", {s: metric(s, "muc", "server_cpu_s_per_100k_stanzas") for s in present})
    # Per step: medians over the runs of the steps each server reached.
    rates = sorted({st["rate"] for rs in mucs.values() for st in steps_of(rs)})
    with_muc = [s for s in present if mucs[s]]
    out = ["", f"#### Room fan-out per step ({occupants:,} occupants; medians of the runs that reached the step; "
               "a step is the last one when a copy was missing after the drain, delivered fell below 90% of "
               "offered × occupants, or p99 ≥ 1 s)", "",
           "| offered msg/s | offered stanzas/s | " + " | ".join(f"{NAMES[s]} delivered/s, p50, p99 ms" for s in with_muc) + " |",
           "|" + "---|" * (2 + len(with_muc))]
    for rate in rates:
        cells = []
        for s in with_muc:
            sts = [st for st in steps_of(mucs[s]) if st["rate"] == rate]
            if not sts:
                cells.append("—")
                continue
            missing = sum(st.get("missing_after_drain", 0) for st in sts)
            cells.append(f"{fmt(median([st['delivered_per_s'] for st in sts]), 0)}, {fmt(median([st['p50_ms'] for st in sts]), 1)}, "
                         f"{fmt(median([st['p99_ms'] for st in sts]), 1)}" + (f" ({missing:,} missing)" if missing else "")
                         + (f" [{len(sts)} run(s)]" if len(sts) != len(mucs[s]) else ""))
        offered = median([st.get("offered_stanzas_per_s") for s in with_muc for st in steps_of(mucs[s]) if st["rate"] == rate])
        out.append(f"| {fmt(rate, 0)} | {fmt(offered, 0)} | " + " | ".join(cells) + " |")
    return out


def mam_section(present, pick, metric, add):
    mams = {s: pick(s, "mam") for s in present}
    fills = {s: [r for r in mams[s] if r.get("mam_size_asked", 0) > 0] for s in present}
    asked = max((r.get("mam_size_asked", 0) for rs in fills.values() for r in rs), default=0)
    sc = f"6. Archive: {asked:,} messages asked for, then the last 50"
    vals = {}
    for s in present:
        if not fills[s]:
            continue
        r = fills[s][0]
        vals[s] = (r.get("filled_received", 0)) if r.get("fill_complete") == "yes" else \
            f"{r.get('filled_received', 0):,} (time bound: {r.get('fill_s', 0):,.0f} s)"
    add(sc, "messages archived through the server (first run)", "↑", "", vals, digits=0)
    add(sc, "fill time, s", "↓", "", {s: fills[s][0].get("fill_s") if fills[s] else None for s in present})
    add(sc, "fill rate, msg/s", "↑", "", {s: fills[s][0].get("fill_per_s") if fills[s] else None for s in present})
    add(sc, "queries answered (all runs)", "", "", {s: sum(r.get("queries", 0) for r in mams[s]) if mams[s] else None for s in present}, digits=0)
    add(sc, "query p50, ms", "↓", "", {s: metric(s, "mam", "query_p50_ms") for s in present}, digits=2)
    add(sc, "query p99, ms", "↓", "≤ 10 ms (own)", {s: metric(s, "mam", "query_p99_ms") for s in present}, digits=2)
    add(sc, "pages short of 50, or failed (all runs)", "↓", "", {s: sum(r.get("short_pages", 0) + r.get("queries_failed", 0)
                                                                      for r in mams[s]) if mams[s] else None for s in present}, digits=0)
    add(sc, "server CPU ms per query", "↓", "", {s: metric(s, "mam", "query_server_cpu_ms_each") for s in present})


def print_table(a, rows, present, table, lines, broken, step_lines, pick):
    cols = present
    header = "| Scenario | Metric | " + " | ".join(NAMES[s] for s in cols) + " | " + \
        " | ".join(f"{NAMES[s]} ÷ ejabberd" for s in cols if s != "ejabberd") + " | Target (cl-jabberd ÷ ejabberd) |"
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    last = None
    for scenario, name, better, target, cells in table:
        row = [scenario if scenario != last else "", f"{name} {better}".strip()]
        last = scenario
        for s in cols:
            row.append(cells.get(s, (None, "n/a"))[1])
        ej = cells.get("ejabberd", (None, None))[0]
        for s in cols:
            if s == "ejabberd":
                continue
            v = cells.get(s, (None, None))[0]
            row.append(f"{v / ej:.2f}×" if v is not None and ej else "")
        verdict = ""
        v, e = cells.get("cl-jabberd", (None, None))[0], ej
        if target and v is not None and e:
            r = v / e
            met = {"≥ 2×": r >= 2, "≥ 3×": r >= 3, "≤ 0.33×": r <= 1 / 3, "≤ 0.5×": r <= 0.5}.get(target)
            if target.startswith("≤ 2 (own)"):
                met = v <= 2
            if target == "≤ 10 ms (own)":
                met = v <= 10
            if target == "0":
                met = v == 0
            verdict = target + (" ✓" if met else " ✗" if met is not None else "")
        elif target:
            verdict = target
        row.append(verdict)
        lines.append("| " + " | ".join(row) + " |")

    out = []
    out.append(f"### Server comparison, {datetime.date.today().isoformat()}")
    out.append("")
    out.append(f"Command: `{a.command}` — {a.cores} cores; the load generator (xmppload) shares them with the "
               f"server and slapd. cl-jabberd and the tools at {a.revision}; Debian 12's ejabberd 23.01 and Prosody 0.12. "
               f"Medians of {a.runs} run(s) (the shared-roster storm and the idle hold: the first run); ratios are to ejabberd "
               "(↑ higher is better, ↓ lower is better).")
    out.append("")
    out.extend(lines)
    out.extend(step_lines)
    out.append("")
    out.append("¹ Prosody uses its own accounts (internal_hashed, SCRAM-SHA-1 data, 10,000 iterations) and its "
               "groups module: Debian has no LDAP library for its Lua; cl-jabberd and ejabberd check every "
               "password with an LDAP bind against the same slapd and the same accounts.  ")
    out.append("² For cl-jabberd and ejabberd the CPU of slapd (LDAP binds, roster searches) is added to the "
               "server's; Prosody has none.")
    if "ejabberd-roster-cache" in present:
        out.append("³ The same ejabberd.yml with `use_cache: true` in mod_shared_roster_ldap (ejabberd's default): "
                   "faster, but a regrouping shows only when the cache expires (an hour), which is why "
                   "`cl-setup jabber` turns it off.")
    mechanism_rows = [s for s in ("cl-jabberd-scram", "cl-jabberd-fast") if s in present]
    if mechanism_rows:
        out.append("⁴ The same cl-jabberd, its login storms only, every client logging in with another mechanism "
                   "(xmppload --mechanism): SASL SCRAM-SHA-256 then bind, or SASL2 with a FAST token "
                   "(HT-SHA-256-NONE) and Bind2 inline. Each client first logged in once, untimed, with its "
                   "password (SCRAM; for FAST asking for a token), so it has its SaltedPassword or token as a "
                   "real client keeps them. ejabberd and the cl-jabberd column log in with PLAIN.  ")
        for s in mechanism_rows:
            rs = pick(s, "login") + pick(s, "ws-login")
            ok = sum(r.get("ok", 0) for r in rs)
            proved = sum(r.get("server_proved", 0) for r in rs)
            pbkdf2 = sum(r.get("client_pbkdf2_in_storm", 0) for r in rs)
            names = sorted({r.get("mechanism", "?") for r in rs})
            out.append(f"  {NAMES[s]}: {', '.join(names)}; in {proved:,} of {ok:,} logins the server proved "
                       f"itself (SCRAM signature or HT answer checked); PBKDF2 runs on the client during the "
                       f"storms: {pbkdf2:,}.  ")
    if any(r.get("transport") == "websocket" for r in rows):
        out.append("")
        out.append("Rows 7 and 8: the same login storms and chat over WebSocket (RFC 7395: TLS, an HTTP Upgrade "
                   "with the subprotocol xmpp at /xmpp-websocket, `<open/>` framing, one element per message; "
                   "xmppload --transport websocket) on each server's HTTPS port, after the TCP ones on the same "
                   "server process.  ")
    if any(r.get("scenario") == "s2s-chat" for r in rows):
        out.append("")
        out.append("Row 9: the chat between two instances of the server (s2s-a.bench and s2s-b.bench, each set up "
                   "by `cl-setup --s2s on jabber`, on the same slapd), each pair's users one on each, so that every "
                   "message crosses a server-to-server link authenticated by dialback; server CPU is both "
                   "instances' (bench/compare.sh --scenarios s2s).  ")
    no_https = {r["server"]: r.get("error", "failed") for r in rows if r.get("scenario") == "ws-start"}
    if broken or no_https:
        out.append("")
    if broken:
        out.append("Did not start: " + ", ".join(f"{k} ({v})" for k, v in broken.items()))
    if no_https:
        out.append("No WebSocket rows: " + ", ".join(f"{k} ({v})" for k, v in no_https.items()))
    errs = {}
    for r in rows:
        for k, v in (r.get("errors") or {}).items():
            errs.setdefault(r["server"], {}).setdefault(k, 0)
            errs[r["server"]][k] += v
    if errs:
        out.append("")
        out.append("Errors seen by the generator (all runs): " + "; ".join(
            f"{s}: " + ", ".join(f"{k} ×{v}" for k, v in e.items()) for s, e in errs.items()))
    if a.provisioning.strip():
        out.append("")
        out.append("#### Provisioning (bench/provisioning.sh)")
        out.append("")
        out.append(a.provisioning.strip())
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
