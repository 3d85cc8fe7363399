"""cl-jabberctl against a running cl-jabberd over its control socket: the sessions of real
slixmpp clients, a kick that ends exactly one of them, a reload that serves a new
certificate, check-config on a broken file, the socket's mode and the peer-credential check,
and the failed-login line the fail2ban filter reads."""
import asyncio
import hashlib
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import unittest

from client import login, logout, run
from common import ConfiguredWorld
from harness import HOST, WorldCase

NOT_RUNNING = 7  # cl-jabberctl(8): the server does not answer on its control socket


def certificate_fingerprint(port):
    """SHA-256 of the certificate the server presents on its direct-TLS port."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


class Control(WorldCase):
    @classmethod
    def setUpClass(cls):
        cls.world = ConfiguredWorld()
        cls.alice = cls.world.add_user("alice", "secret-a")
        cls.bob = cls.world.add_user("bob", "secret-b")

    def ctl(self, *args, socket_path=None):
        return subprocess.run([self.world.bin("cl-jabberctl"), "--socket", socket_path or self.world.control_socket,
                               *args], env=self.world.env, capture_output=True, text=True, timeout=30)

    def sessions(self):
        r = self.ctl("sessions", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_sessions_and_kick_of_one_resource(self):
        async def scenario():
            phone, ok1 = await login(self.alice + "/phone", "secret-a", self.world.port)
            desktop, ok2 = await login(self.alice + "/desktop", "secret-a", self.world.port)
            self.assertIs(ok1, True)
            self.assertIs(ok2, True)
            try:
                listed = await asyncio.to_thread(self.sessions)
                mine = sorted((s["jid"], s["resource"]) for s in listed if s["jid"] == self.alice)
                self.assertEqual(mine, [(self.alice, "desktop"), (self.alice, "phone")], listed)
                for s in listed:
                    self.assertEqual(s["address"], "127.0.0.1")
                    self.assertTrue(s["tls"].startswith("TLSv1."), s)
                    self.assertRegex(s["since"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
                    self.assertIn("client", s)
                text = await asyncio.to_thread(self.ctl, "sessions")
                self.assertEqual(text.returncode, 0, text.stderr)
                self.assertIn(self.alice + "/phone", text.stdout)

                r = await asyncio.to_thread(self.ctl, "kick", "-r", "Maintenance now", "alice", "phone")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("1", r.stdout)
                await asyncio.wait_for(phone.disconnected_event.wait(), 10)
                self.assertIn("policy-violation", phone.stream_errors)
                # The other resource stays, and still answers.
                self.assertFalse(desktop.disconnected_event.is_set())
                await desktop.plugin["xep_0199"].ping(jid=HOST, timeout=10)
                left = await asyncio.to_thread(self.sessions)
                self.assertEqual([s["resource"] for s in left if s["jid"] == self.alice], ["desktop"])

                r = await asyncio.to_thread(self.ctl, "kick", "alice", "nosuch")
                self.assertEqual(r.returncode, 6, r.stdout + r.stderr)
                self.assertIn("nosuch", r.stderr)
            finally:
                await logout(desktop)
                if not phone.disconnected_event.is_set():
                    phone.abort()
        run(scenario())

    def test_kick_without_resource_ends_every_session_of_the_user(self):
        async def scenario():
            one, _ = await login(self.bob + "/one", "secret-b", self.world.port)
            two, _ = await login(self.bob + "/two", "secret-b", self.world.port)
            r = await asyncio.to_thread(self.ctl, "kick", self.bob)
            self.assertEqual(r.returncode, 0, r.stderr)
            await asyncio.wait_for(one.disconnected_event.wait(), 10)
            await asyncio.wait_for(two.disconnected_event.wait(), 10)
            left = await asyncio.to_thread(self.sessions)
            self.assertEqual([s for s in left if s["jid"] == self.bob], [])
        run(scenario())

    def test_status_and_stats(self):
        r = self.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(HOST, r.stdout)
        r = self.ctl("status", "--json")
        status = json.loads(r.stdout)
        self.assertEqual(status["hosts"], [HOST])
        self.assertGreater(status["memory_rss_bytes"], 1 << 20)
        self.assertGreaterEqual(status["uptime_seconds"], 0)
        self.assertEqual(status["directory"], "synchronized")
        r = self.ctl("stats", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        stats = json.loads(r.stdout)
        for key in ("sessions", "connections", "uptime_seconds", "memory_rss_bytes", "directory_users"):
            self.assertIn(key, stats)

    def test_reload_serves_a_new_certificate(self):
        before = certificate_fingerprint(self.world.tls_port)
        w = self.world
        key, crt = os.path.join(w.dir, "k2.pem"), os.path.join(w.dir, "c2.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", crt],
                       check=True, capture_output=True, timeout=30)
        with open(w.certfile + ".new", "w") as out, open(key) as k, open(crt) as c:
            out.write(k.read() + c.read())
        os.chmod(w.certfile + ".new", 0o600)
        original = w.certfile + ".orig"
        shutil.copy(w.certfile, original)
        os.replace(w.certfile + ".new", w.certfile)
        r = self.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("certificate", r.stdout)
        after = certificate_fingerprint(self.world.tls_port)
        self.assertNotEqual(before, after)
        self.assertIn(after[:16], r.stdout.replace(":", "").lower())

        # A broken certificate: the reload says what is wrong, the old one stays in use.
        with open(w.certfile, "w") as f:
            f.write("not a certificate\n")
        r = self.ctl("reload")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("certificate", r.stderr)
        self.assertEqual(certificate_fingerprint(self.world.tls_port), after)
        shutil.copy(original, w.certfile)

    def test_check_config(self):
        r = self.ctl("check-config")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        broken = os.path.join(self.world.dir, "broken.conf")
        with open(self.world.config) as f:
            text = f.read()
        with open(broken, "w") as f:
            f.write(text.replace("max_stanza_size = 65536", "max_stanza_size = 'big'"))
        r = self.ctl("check-config", broken)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("max_stanza_size", r.stderr)
        with open(broken, "w") as f:
            f.write("[ldap\n")
        r = self.ctl("check-config", broken)
        self.assertEqual(r.returncode, 1)
        self.assertIn(broken, r.stderr)

    def test_socket_mode_and_peer_credentials(self):
        path = self.world.control_socket
        st = os.stat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        # Opened up on purpose so that the file mode lets nobody in: the server itself must
        # then refuse the uid it reads from the socket (SO_PEERCRED).
        os.chmod(path, 0o666)
        mode = os.stat(self.world.dir).st_mode
        os.chmod(self.world.dir, 0o755)
        try:
            answer = self.request_as_nobody(path, '{"command":"sessions"}\n')
        finally:
            os.chmod(path, 0o660)
            os.chmod(self.world.dir, stat.S_IMODE(mode))
        reply = json.loads(answer)
        self.assertEqual(reply["ok"], False, answer)
        self.assertIn("not permitted", reply["error"])

    def request_as_nobody(self, path, line):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_end)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(10)
                    s.connect(path)
                    s.sendall(line.encode())
                    data = b""
                    while not data.endswith(b"\n"):
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                os.write(write_end, data)
            finally:
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as r:
            data = r.read()
        os.waitpid(pid, 0)
        return data.decode()

    def test_server_not_running(self):
        r = self.ctl("status", socket_path=os.path.join(self.world.dir, "no-such-socket"))
        self.assertEqual(r.returncode, NOT_RUNNING, r.stderr)
        self.assertIn("not running", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        r = self.ctl("frobnicate")
        self.assertEqual(r.returncode, 2)

    def test_failed_login_line(self):
        async def scenario():
            c, outcome = await login(self.alice + "/x", "wrong-password", self.world.port)
            self.assertEqual(outcome, "not-authorized")
            c.abort()
        run(scenario())
        lines = [line for line in self.world.server_log().splitlines() if "authentication failed:" in line]
        self.assertTrue(any("ip=127.0.0.1 " in line and "user=alice" in line and "mechanism=" in line
                            for line in lines), lines)


FILTER = os.path.join(os.path.dirname(__file__), "../../packaging/fail2ban/filter.d/cl-jabberd.conf")


class FailedLoginLogs(WorldCase):
    """The failed-login line in both log formats, read by the packaged fail2ban filter with
    Debian's fail2ban-regex (which starts no service)."""

    @classmethod
    def setUpClass(cls):
        cls.world = ConfiguredWorld()
        cls.alice = cls.world.add_user("alice", "secret-a")

    def failed_logins_in(self, log_format):
        path = os.path.join(self.world.dir, f"{log_format}.log")
        self.world.stop_server()
        self.world.start_server("--log-file", path, "--log-format", log_format)

        async def scenario():
            for password in ("wrong-1", "wrong-2"):
                c, outcome = await login(self.alice + "/x", password, self.world.port)
                self.assertEqual(outcome, "not-authorized")
                c.abort()
            ok, outcome = await login(self.alice + "/x", "secret-a", self.world.port)
            self.assertIs(outcome, True)
            await logout(ok)
        run(scenario())
        self.world.stop_server()
        r = subprocess.run(["fail2ban-regex", "--out", "ip", path, FILTER], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(path) as f:
            return r.stdout.split(), f.read()

    @unittest.skipUnless(shutil.which("fail2ban-regex"), "skipped: fail2ban-regex is not installed")
    def test_plain_lines_match_the_filter(self):
        addresses, text = self.failed_logins_in("plain")
        # One line per refused attempt (slixmpp may try a second mechanism after a refusal).
        self.assertEqual(addresses, ["127.0.0.1"] * text.count("authentication failed:"), text)
        self.assertGreaterEqual(len(addresses), 2)
        self.assertIn("<warning> authentication failed: ip=127.0.0.1 mechanism=", text)

    @unittest.skipUnless(shutil.which("fail2ban-regex"), "skipped: fail2ban-regex is not installed")
    def test_json_lines_match_the_filter(self):
        addresses, text = self.failed_logins_in("json")
        lines = [json.loads(line) for line in text.splitlines()]
        failed = [line for line in lines if line["message"] == "authentication failed"]
        self.assertEqual(addresses, ["127.0.0.1"] * len(failed), text)
        self.assertGreaterEqual(len(failed), 2, text)
        self.assertEqual(failed[0]["fields"]["user"], "alice")
        self.assertEqual(failed[0]["level"], "warning")


if __name__ == "__main__":
    unittest.main()
