"""End-to-end: Prometheus metrics at https://localhost:<http_port>/metrics.

Known traffic (logins with a forced SASL mechanism, a wrong password, messages between two
accounts and to an offline one) must move the counters by exactly its amounts; the scrape is
parsed with prometheus_client's own text-format parser (Debian's python3-prometheus-client),
so a malformed exposition fails here. Access: allowed from 127.0.0.1/32 only, so a client
bound to 127.0.0.2 gets 403; with metrics = false the path is 404. The Grafana dashboard in
packaging/grafana/ may only name metrics the server exports.
"""
import asyncio
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(__file__))
from client import Client, TIMEOUT, logout, next_item, round_trip, run  # noqa: E402
from common import ConfiguredWorldTest  # noqa: E402
from harness import HOST, free_port  # noqa: E402

DASHBOARD = os.path.join(os.path.dirname(__file__), "..", "..", "packaging", "grafana", "cl-jabberd.json")
# slixmpp cannot do the -PLUS mechanisms the server would offer (test_scram.py says why).
MECHANISMS = "sasl_mechanisms = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']\n"


def scrape(port, source="127.0.0.1", path="/metrics", method="GET"):
    """(status, content type, body text) of one HTTPS request from the given local address."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10,
                                       source_address=(source, 0))
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, r.getheader("content-type"), r.read().decode()
    finally:
        conn.close()


class Samples:
    """A parsed scrape: families by name, and each sample's value by (name, labels)."""

    def __init__(self, text):
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.values = {}
        for family in self.families.values():
            for s in family.samples:
                self.values[(s.name, tuple(sorted(s.labels.items())))] = s.value

    def get(self, name, **labels):
        return self.values.get((name, tuple(sorted(labels.items()))), 0.0)

    def sample_names(self):
        return {name for name, _ in self.values}


class MetricsWorld(ConfiguredWorldTest):
    more_lines = "metrics_allow = ['127.0.0.1/32']\n"

    @classmethod
    def setUpClass(cls):
        cls.http_port = free_port()
        cls.extra_jabber_lines = f"http_port = {cls.http_port}\n" + MECHANISMS + cls.more_lines
        super().setUpClass()
        for name in ("anna", "boris", "carl"):
            cls.world.add_user(name, name + "-pw")

    def samples(self):
        status, content_type, body = scrape(self.http_port)
        self.assertEqual(status, 200, body)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        return Samples(body)

    async def login(self, name, password, mechanism):
        c = Client(f"{name}@{HOST}/r", password)
        c["feature_mechanisms"].use_mech = mechanism  # one mechanism: one attempt
        c.connect(("127.0.0.1", self.world.port), force_starttls=True)
        try:
            return c, await asyncio.wait_for(c.outcome, TIMEOUT)
        except asyncio.TimeoutError:
            c.abort()
            raise

    async def until(self, predicate, what, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = await asyncio.to_thread(self.samples)
            if predicate(s):
                return s
            await asyncio.sleep(0.1)
        self.fail(what)


class Metrics(MetricsWorld):
    def test_known_traffic_moves_the_counters_by_its_amounts(self):
        async def go():
            before = await asyncio.to_thread(self.samples)
            anna, ok = await self.login("anna", "anna-pw", "SCRAM-SHA-256")
            self.assertIs(ok, True)
            boris, ok = await self.login("boris", "boris-pw", "PLAIN")
            self.assertIs(ok, True)
            wrong, result = await self.login("anna", "not-her-password", "PLAIN")
            self.assertEqual(result, "not-authorized")
            wrong.abort()
            # Both bound: the sessions gauge counts them on their host.
            await self.until(lambda s: s.get("cl_jabberd_sessions", host=HOST) == 2, "two sessions never shown")
            anna.send_presence()
            boris.send_presence()
            await round_trip(boris)  # boris available: a message to his bare JID reaches him

            for i in range(3):
                anna.send_message(mto=f"boris@{HOST}", mbody=f"hello {i}", mtype="chat")
            for i in range(3):
                m = await next_item(boris.received, lambda m: m["type"] == "chat")
                self.assertEqual(m["body"], f"hello {i}")
            # carl is offline: two messages stored for him.
            for i in range(2):
                anna.send_message(mto=f"carl@{HOST}", mbody=f"later {i}", mtype="chat")
            await anna.plugin["xep_0199"].ping(HOST, timeout=TIMEOUT)  # after the stores
            after = await asyncio.to_thread(self.samples)

            def moved(name, **labels):
                return after.get(name, **labels) - before.get(name, **labels)

            self.assertEqual(moved("cl_jabberd_logins_total", mechanism="SCRAM-SHA-256"), 1)
            self.assertEqual(moved("cl_jabberd_logins_total", mechanism="PLAIN"), 1)
            self.assertEqual(moved("cl_jabberd_login_failures_total", mechanism="PLAIN", reason="not-authorized"), 1)
            self.assertEqual(moved("cl_jabberd_login_failures_total", mechanism="SCRAM-SHA-256",
                                   reason="not-authorized"), 0)
            self.assertEqual(moved("cl_jabberd_stanzas_received_total", kind="message"), 5)
            self.assertEqual(moved("cl_jabberd_stanzas_sent_total", kind="message"), 3)
            self.assertGreaterEqual(moved("cl_jabberd_stanzas_received_total", kind="iq"), 1)
            self.assertGreaterEqual(moved("cl_jabberd_stanzas_sent_total", kind="presence"), 1)
            self.assertEqual(after.get("cl_jabberd_offline_messages"), 2)
            # Each message of the 5 and each login's credentials went in as bytes; more came out.
            self.assertGreater(moved("cl_jabberd_c2s_received_bytes_total"), 5 * len("<message"))
            self.assertGreater(moved("cl_jabberd_c2s_sent_bytes_total"), 3 * len("<message"))
            # STARTTLS for the three streams; the scrapes' own handshakes on the HTTPS port.
            self.assertEqual(moved("cl_jabberd_tls_handshakes_total", listener="xmpp", result="success"), 3)
            self.assertGreaterEqual(moved("cl_jabberd_tls_handshakes_total", listener="https", result="success"), 1)
            # Two offline messages are two durable writes at least.
            self.assertGreaterEqual(moved("cl_jabberd_sqlite_write_duration_seconds_count"), 2)
            self.assertEqual(after.get("cl_jabberd_directory_connected"), 1)
            self.assertGreaterEqual(after.get("cl_jabberd_directory_event_delay_seconds_count"), 3,
                                    "the three accounts came through the sync")
            self.assertGreater(after.get("cl_jabberd_event_loop_lag_seconds_count"), 0)

            await logout(anna)
            await logout(boris)
            await self.until(lambda s: s.get("cl_jabberd_sessions", host=HOST) == 0, "sessions not back to 0")
            # carl logs in: his stored messages are handed over and leave the store.
            carl, ok = await self.login("carl", "carl-pw", "SCRAM-SHA-1")
            self.assertIs(ok, True)
            carl.send_presence()  # available: the hand-over starts
            for i in range(2):
                self.assertEqual((await next_item(carl.received, lambda m: m["type"] == "chat"))["body"], f"later {i}")
            await self.until(lambda s: s.get("cl_jabberd_offline_messages") == 0, "the offline store not emptied")
            await logout(carl)
        run(go())

    def test_exposition_is_well_formed_and_documented(self):
        status, _, body = scrape(self.http_port)
        self.assertEqual(status, 200)
        s = Samples(body)
        for name, family in s.families.items():
            self.assertTrue(name.startswith("cl_jabberd_"), name)
            self.assertNotEqual(family.type, "unknown", name)
            self.assertTrue(family.documentation, f"{name} has no HELP")
        self.assertEqual(s.families["cl_jabberd_logins"].type, "counter")
        self.assertEqual(s.families["cl_jabberd_sqlite_write_duration_seconds"].type, "histogram")
        self.assertIn(("cl_jabberd_event_loop_lag_seconds_bucket", (("le", "+Inf"),)), s.values)
        # HEAD: the headers of GET, no body; another method: 405; a longer path: 404.
        status, _, body = scrape(self.http_port, method="HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertEqual(scrape(self.http_port, method="POST")[0], 405)
        self.assertEqual(scrape(self.http_port, path="/metricsx")[0], 404)
        self.assertEqual(scrape(self.http_port, path="/metrics?x=1")[0], 200)

    def test_failed_tls_handshakes_are_counted_by_listener(self):
        def plain_bytes_to(port):
            # Plain text where a TLS ClientHello belongs: the handshake fails at once.
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                try:
                    while s.recv(4096):
                        pass
                except OSError:
                    pass

        async def go():
            before = await asyncio.to_thread(self.samples)
            plain_bytes_to(self.world.tls_port)  # direct TLS (XEP-0368)
            plain_bytes_to(self.http_port)
            after = await self.until(
                lambda s: s.get("cl_jabberd_tls_handshakes_total", listener="xmpp", result="failure") >
                before.get("cl_jabberd_tls_handshakes_total", listener="xmpp", result="failure"), "no xmpp failure")
            for listener in ("xmpp", "https"):
                self.assertEqual(after.get("cl_jabberd_tls_handshakes_total", listener=listener, result="failure") -
                                 before.get("cl_jabberd_tls_handshakes_total", listener=listener, result="failure"), 1,
                                 listener)
        run(go())

    def test_other_addresses_are_refused(self):
        status, _, body = scrape(self.http_port, source="127.0.0.2")
        self.assertEqual(status, 403)
        self.assertNotIn("cl_jabberd_", body)
        self.assertIn("/metrics refused", self.world.server_log())

    def test_the_dashboard_names_only_exported_metrics(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        exprs = []

        def walk(node):
            if isinstance(node, dict):
                if isinstance(node.get("expr"), str):
                    exprs.append(node["expr"])
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(dashboard)
        self.assertGreaterEqual(len(exprs), 10)
        exported = self.samples().sample_names()
        used = set()
        for expr in exprs:
            names = re.findall(r"\b(cl_jabberd_[a-z0-9_]+)", expr)
            self.assertTrue(names, f"an expression with no metric of ours: {expr}")
            for name in names:
                self.assertIn(name, exported, f"{expr} names {name}, which the server does not export")
                used.add(re.sub(r"_(bucket|sum|count)$", "", name))
        # And every family the server exports is on the dashboard.
        self.assertEqual(set(self.samples().families) - {n.removesuffix("_total") for n in used}, set())


class MetricsDirectory(MetricsWorld):
    """slapd stopped and started again (with cl-setup, as test_directory_sync.py): one outage,
    one reconnection, and the connected gauge following."""

    def slapd(self, *args):
        r = subprocess.run([self.world.bin("cl-setup"), *args, "ldap"], env=self.world.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_an_outage_and_the_reconnection_are_counted_once(self):
        async def go():
            s = await self.until(lambda s: s.get("cl_jabberd_directory_connected") == 1, "never connected")
            self.assertEqual((s.get("cl_jabberd_directory_lost_total"), s.get("cl_jabberd_directory_reconnects_total")),
                             (0, 0))
            await asyncio.to_thread(self.slapd, "--stop")
            await self.until(lambda s: s.get("cl_jabberd_directory_connected") == 0, "the outage not shown", 15)
            await asyncio.sleep(3)  # the watch retries every second meanwhile: still one outage
            s = await asyncio.to_thread(self.samples)
            self.assertEqual(s.get("cl_jabberd_directory_lost_total"), 1)
            self.assertEqual(s.get("cl_jabberd_directory_reconnects_total"), 0)
            await asyncio.to_thread(self.slapd)
            s = await self.until(lambda s: s.get("cl_jabberd_directory_reconnects_total") == 1, "no reconnection", 20)
            self.assertEqual(s.get("cl_jabberd_directory_connected"), 1)
            self.assertEqual(s.get("cl_jabberd_directory_lost_total"), 1)
        run(go(), timeout=90)


class MetricsOff(MetricsWorld):
    more_lines = "metrics = false\n"

    def test_the_path_is_not_there(self):
        status, _, body = scrape(self.http_port)
        self.assertEqual(status, 404)
        self.assertNotIn("cl_jabberd_", body)
