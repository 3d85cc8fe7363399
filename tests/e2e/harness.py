"""A private slapd and a cl-jabberd for one end-to-end test, made with the real tools.

Everything lives in a fresh temp dir; every wait is bounded; stop() cleans up even after
a failure (and atexit covers a crash of the test itself).
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import tomllib
import sys
import time
import unittest

BUILD_DIR = os.environ.get("JABBERADMIN_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
HOST = "localhost"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class World:
    """slapd (via cl-setup ldap), accounts (via cl-useradd), and cl-jabberd on free ports."""

    def __init__(self, server_args=(), max_stanza_size=65536, jabber_lines=""):
        self.jabber_lines = jabber_lines  # more [jabber] keys, as written
        self.dir = tempfile.mkdtemp(prefix="ja-e2e-", dir="/tmp")
        # If this process dies unclean (a ctest timeout kills it), the C++ test fixture's
        # reaper stops the slapd left here: it checks this owner.
        with open(os.path.join(self.dir, "owner.pid"), "w") as f:
            f.write(str(os.getpid()))
        self.config = os.path.join(self.dir, "jabberadmin.conf")
        self.env = dict(os.environ, JABBERADMIN_CONFIG=self.config, LANG="C.UTF-8")
        self.server = None
        self.log_path = os.path.join(self.dir, "cl-jabberd.log")
        atexit.register(self.stop)
        try:
            self._tool("cl-setup", "--state-dir", os.path.join(self.dir, "ldap"), "--base-dn", "dc=test", "ldap")
            self.port, self.tls_port = free_port(), free_port()
            self._certificate()
            self._write_jabber_section(max_stanza_size)
            self.start_server(*server_args)
        except BaseException:
            self.stop()
            raise

    def bin(self, name):
        sub = "server" if name == "cl-jabberd" else "tools"
        return os.path.join(BUILD_DIR, sub, name)

    def _tool(self, name, *args, input=None):
        r = subprocess.run([self.bin(name), *args], input=input, env=self.env, capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"{name} {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout

    served_host = HOST  # the one host of the [jabber] section
    certificate_name = "localhost"  # the self-signed certificate's name

    def _certificate(self):
        key, crt = os.path.join(self.dir, "k.pem"), os.path.join(self.dir, "c.pem")
        name = self.certificate_name
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}", "-keyout", key, "-out", crt],
                       check=True, capture_output=True, timeout=30)
        self.certfile = os.path.join(self.dir, "server.pem")
        with open(self.certfile, "w") as out, open(key) as k, open(crt) as c:
            out.write(k.read() + c.read())
        os.chmod(self.certfile, 0o600)

    def _write_jabber_section(self, max_stanza_size):
        # Until `cl-setup jabber` writes it, the test writes the [jabber] section itself.
        with open(self.config, "a") as f:
            f.write(f"""
[jabber]
configured = true
hosts = ['{self.served_host}']
listen = ['127.0.0.1']
port = {self.port}
tls_port = {self.tls_port}
certfile = '{self.certfile}'
data_dir = '{self.dir}/data'
max_stanza_size = {max_stanza_size}
""" + self.jabber_lines)

    def ldap_settings(self):
        """The [ldap] section of this world's settings file, as cl-setup wrote it."""
        with open(self.config, "rb") as f:
            return tomllib.load(f).get("ldap", {})

    def add_user(self, name, password):
        # The tests' passwords are short on purpose (they only tell accounts apart).
        self._tool("cl-useradd", "-P", "--allow-short-password", name, "jabber", input=password + "\n")
        return f"{name}@{HOST}"

    def lock(self, name):
        self._tool("cl-usermod", "-L", name, "jabber")

    def start_server(self, *args):
        self.log = open(self.log_path, "ab")
        # Each world's own control socket (the default is the system's runtime folder).
        self.control_socket = os.path.join(self.dir, "control")
        self.server = subprocess.Popen([self.bin("cl-jabberd"), "--log-level", "debug", "--control-socket",
                                        self.control_socket, *args], env=self.env,
                                       stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError("cl-jabberd exited: " + self.server_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("cl-jabberd did not listen within 10 s: " + self.server_log())

    def server_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop_server(self, timeout=8):
        """SIGTERM and wait; returns the exit status."""
        if self.server is None:
            return None
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(5)
        status = self.server.returncode
        self.server = None
        self.log.close()
        return status

    def stop(self):
        try:
            self.stop_server()
        except Exception:
            pass
        if os.path.exists(self.config):
            subprocess.run([self.bin("cl-setup"), "--stop", "ldap"], env=self.env, capture_output=True, timeout=30)
        if os.environ.get("JABBERADMIN_KEEP_TEST_DIRS") is None:
            shutil.rmtree(self.dir, ignore_errors=True)


class WorldCase(unittest.TestCase):
    """One World per TestCase class (set up by the subclass's setUpClass), stopped after the
    class; when a test fails, the end of the server's log goes to stderr."""
    world = None

    @classmethod
    def tearDownClass(cls):
        if cls.world is not None:
            cls.world.stop()

    def tearDown(self):
        if any(e is not None for e in (self._outcome.errors if hasattr(self._outcome, "errors") else [])):
            sys.stderr.write(self.world.server_log()[-6000:])
