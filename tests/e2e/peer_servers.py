"""Real XMPP servers as federation peers of cl-jabberd, each private to one test: Debian's
ejabberd and Debian's Prosody in a temp dir, on loopback ports of their own, told where
cl-jabberd's domain listens without touching the machine's DNS or /etc/hosts:

- ejabberd looks up _xmpp-server._tcp.<domain> with Erlang's own resolver (inet_res), whose
  name server an inetrc file names with a port: SrvStub answers there with 127.0.0.1:<port>.
  (Its A/AAAA lookup is libc's getaddrinfo, which reads /etc/hosts: an SRV target that is an
  address needs none.)
- Prosody's resolver asks the name servers of /etc/resolv.conf on port 53 only; a module of
  ten lines in the temp dir (mod_test_s2s_routes) hands its s2s connector a fixed address for
  the routed domains instead, as cl-jabberd's s2s_routes does. Everything past the address,
  TLS, dialback, SASL EXTERNAL and stanzas, is Prosody's own.

No namespace (unshare) or private /etc/hosts is needed, and one would not do for Prosody: its
resolver (net.dns, without lua-unbound) reads no hosts file, and a DNS server on port 53 would
need root or a network namespace that cl-jabberd's loopback is not in.

As root the peers run as their own system users (setpriv), as bench/compare.sh runs them.
"""
import atexit
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

EJABBERDCTL = "/usr/sbin/ejabberdctl"
PROSODY = "/usr/bin/prosody"
PROSODYCTL = "/usr/bin/prosodyctl"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, log, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited while starting:\n{log(4000)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s:\n{log(4000)}")


def as_user(user, directory):
    """The argv prefix that runs a command as user when we are root (directory then belongs to
    user), else nothing: the peers refuse to run as root, or switch users themselves."""
    if os.geteuid() != 0:
        return []
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(directory):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.chown(name, pw.pw_uid, pw.pw_gid)
    return ["/usr/bin/setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]


def certificate(directory, domain, certificate=None):
    """The peer's PEM (key and certificate) in its own directory: a copy of the given one (a
    test CA's, for SASL EXTERNAL), or a self-signed one, which proves nothing (dialback)."""
    if certificate is None:
        return self_signed(directory, domain)
    pem = os.path.join(directory, f"{domain}.pem")
    shutil.copyfile(certificate, pem)
    return pem


def trusted(directory, ca_file):
    """A copy of the CA certificate the peer trusts, in its own directory (it runs as its own user)."""
    copy = os.path.join(directory, "ca.pem")
    shutil.copyfile(ca_file, copy)
    return copy


def self_signed(directory, domain):
    """A key and self-signed certificate for domain in one PEM (which proves nothing: dialback)."""
    key, crt, pem = (os.path.join(directory, f"{domain}.{e}") for e in ("key", "crt", "pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN={domain}", "-addext", f"subjectAltName=DNS:{domain}", "-keyout", key, "-out", crt],
                   check=True, capture_output=True, timeout=60)
    with open(pem, "w") as out, open(key) as k, open(crt) as c:
        out.write(k.read() + c.read())
    return pem


class SrvStub:
    """A DNS server on a UDP loopback port that knows one thing: _xmpp-server._tcp.<domain> is
    SRV 0 0 <port> 127.0.0.1 for the routed domains. Anything else is NXDOMAIN (no DNS of the
    machine is ever asked)."""

    def __init__(self, routes):
        self.routes = {d.lower(): p for d, p in routes.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.asked = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return  # closed
            try:
                self.sock.sendto(self.answer(query), peer)
            except (ValueError, IndexError, struct.error, OSError):
                pass  # not a query we can read: no answer, the asker times out

    def answer(self, query):
        qid, flags, qdcount = struct.unpack("!HHH", query[:6])
        if qdcount != 1:
            raise ValueError("one question")
        labels, at = [], 12
        while query[at]:
            labels.append(query[at + 1:at + 1 + query[at]].decode("ascii").lower())
            at += 1 + query[at]
        qtype, _ = struct.unpack("!HH", query[at + 1:at + 5])
        question = query[12:at + 5]
        self.asked.append((".".join(labels), qtype))
        port = None
        if qtype == 33 and labels[:2] == ["_xmpp-server", "_tcp"]:
            port = self.routes.get(".".join(labels[2:]))
        rd = flags & 0x0100
        if port is None:  # NXDOMAIN, authoritative
            return struct.pack("!HHHHHH", qid, 0x8403 | rd, 1, 0, 0, 0) + question
        target = b"".join(bytes([len(p)]) + p.encode() for p in "127.0.0.1".split(".")) + b"\0"
        rdata = struct.pack("!HHH", 0, 0, port) + target
        record = struct.pack("!HHHIH", 0xC00C, 33, 1, 60, len(rdata)) + rdata
        return struct.pack("!HHHHHH", qid, 0x8400 | rd, 1, 1, 0, 0) + question + record

    def close(self):
        self.sock.close()


class Peer:
    """A peer server's process in its own process group; stop() ends the group."""
    proc = None

    def _spawn(self, argv, env):
        self.console = open(os.path.join(self.dir, "console.log"), "ab")
        # timeout(1) bounds the peer's life even if the test is killed (ctest's timeout is 120 s);
        # atexit covers a test that dies of an exception.
        atexit.register(self.stop)
        self.proc = subprocess.Popen(["/usr/bin/timeout", "-k", "5", "300", *argv], env=env, cwd=self.dir,
                                     stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def log(self, tail=None):
        """The peer's log files, each cut to its last tail characters when tail is given."""
        text = ""
        for root, _, files in os.walk(self.dir):
            for f in sorted(files):
                if f.endswith(".log"):
                    with open(os.path.join(root, f), errors="replace") as fh:
                        text += f"--- {f}\n" + fh.read()[-(tail or 0):]
        return text

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        if getattr(self, "console", None) is not None:
            self.console.close()
            self.console = None


class Ejabberd(Peer):
    """Debian's ejabberd serving domain: c2s and s2s on loopback ports, internal accounts,
    STARTTLS required on both, dialback (mod_s2s_dialback) for self-signed certificates;
    given a certificate and the CA that signed the others', SASL EXTERNAL only (no dialback).
    routes: {domain: port} of the cl-jabberd instances it federates with."""

    def __init__(self, directory, domain, routes, certfile=None, ca_file=None):
        self.dir, self.domain = directory, domain
        os.makedirs(os.path.join(directory, "spool"))
        os.makedirs(os.path.join(directory, "logs"))
        self.c2s_port, self.s2s_port, dist_port = free_port(), free_port(), free_port()
        self.dns = SrvStub(routes)
        cert = certificate(directory, domain, certfile)
        auth = f'ca_file: "{trusted(directory, ca_file)}"\n' if ca_file else ""
        dialback = "" if ca_file else "  mod_s2s_dialback: {}\n"
        self.node = f"jinterop{os.getpid()}@localhost"
        with open(os.path.join(directory, "ejabberd.yml"), "w") as f:
            f.write(f"""hosts: ["{domain}"]
loglevel: info
certfiles: ["{cert}"]
auth_method: internal
default_db: mnesia
s2s_use_starttls: required
s2s_access: all
s2s_dns_timeout: 2
s2s_dns_retries: 1
{auth}listen:
  - port: {self.c2s_port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: true
  - port: {self.s2s_port}
    ip: "127.0.0.1"
    module: ejabberd_s2s_in
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
modules:
  mod_disco: {{}}
  mod_ping: {{}}
  mod_roster: {{}}
{dialback}""")
        with open(os.path.join(directory, "ejabberdctl.cfg"), "w") as f:
            f.write(f"ERL_DIST_PORT={dist_port}\n"
                    f'ERL_OPTIONS="-setcookie jinterop-{os.getpid()} -kernel inet_dist_use_interface {{127,0,0,1}}"\n'
                    "EJABBERD_BYPASS_WARNINGS=true\n")
        # ejabberdctl sets ERL_INETRC to <config dir>/inetrc: Erlang's resolver asks the stub,
        # and only the stub (the name servers of /etc/resolv.conf would come first otherwise).
        with open(os.path.join(directory, "inetrc"), "w") as f:
            f.write(f'{{resolv_conf, ""}}.\n{{nameserver, {{127,0,0,1}}, {self.dns.port}}}.\n')
        ctl = EJABBERDCTL
        prefix = as_user("ejabberd", directory)
        if not prefix:
            # Not root: ejabberdctl insists on root or the ejabberd user, so a copy that runs
            # as whoever calls it (as tests/ejabberd/ejabberd_test.cpp does).
            with open(EJABBERDCTL) as f:
                script = f.read().replace("\nINSTALLUSER=ejabberd", "\nINSTALLUSER=", 1)
            ctl = os.path.join(directory, "ejabberdctl")
            with open(ctl, "w") as f:
                f.write(script)
            os.chmod(ctl, 0o700)
        self.ctl = prefix + [ctl, "--config-dir", directory, "--ctl-config", os.path.join(directory, "ejabberdctl.cfg"),
                             "--config", os.path.join(directory, "ejabberd.yml"), "--logs",
                             os.path.join(directory, "logs"), "--spool", os.path.join(directory, "spool"),
                             "--node", self.node]
        self.env = {"HOME": directory, "LANG": "C.UTF-8", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        try:
            self._spawn(self.ctl + ["foreground"], self.env)
            wait_port(self.c2s_port, self.proc, "ejabberd", self.log)
            # The listeners open before the last modules have started.
            self.ctl_call("status")
        except BaseException:
            self.stop()
            raise

    def ctl_call(self, *args):
        r = subprocess.run(self.ctl + list(args), env=self.env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"ejabberdctl {args[0]} failed ({r.returncode}): {r.stdout}{r.stderr}")
        return r.stdout

    def add_user(self, name, password):
        # A throwaway password of a throwaway instance: ejabberdctl only takes it as an argument.
        self.ctl_call("register", name, self.domain, password)
        return f"{name}@{self.domain}"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            # Its own stop first (mnesia closed cleanly); the process group's SIGTERM after.
            try:
                subprocess.run(self.ctl + ["stop"], env=self.env, capture_output=True, timeout=30)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        super().stop()
        self.dns.close()


ROUTES_MODULE = """-- Test only: a fixed address for the s2s connections to the routed domains (the test's
-- cl-jabberd instances), where Prosody would ask DNS. Loaded globally.
local service = require "net.resolvers.service";
local basic = require "net.resolvers.basic";
local routes = module:get_option("test_s2s_routes", {});
local tls_routes = module:get_option("test_s2s_tls_routes", {});  -- as _xmpps-server records
local original = service.new;
local none = { next = function(_, cb) cb(nil); end };
service.new = function(hostname, srv, conn_type, extra)
  local port = routes[hostname];
  if port == nil then return original(hostname, srv, conn_type, extra); end
  if srv == "xmpps-server" and tls_routes[hostname] then
    return basic.new("127.0.0.1", tls_routes[hostname], conn_type, extra);
  end
  if srv ~= "xmpp-server" then return none; end  -- no direct TLS (xmpps-server) there
  return basic.new("127.0.0.1", port, conn_type, extra);
end
function module.unload() service.new = original; end
"""


class Prosody(Peer):
    """Debian's Prosody serving domain: c2s and s2s on loopback ports, internal accounts,
    encryption required, dialback on self-signed certificates (s2s_secure_auth off); given a
    certificate and the CA that signed the others', SASL EXTERNAL only (s2s_secure_auth on,
    no dialback). routes: {domain: port} of the cl-jabberd instances it federates with;
    tls_routes: {domain: port} of their direct-TLS ports (XEP-0368), given which Prosody
    listens for direct TLS too (s2s_tls_port) and connects to those ports first. bidi: with
    Prosody's mod_s2s_bidi, which asks for and grants XEP-0288 bidirectional links."""

    def __init__(self, directory, domain, routes, certfile=None, ca_file=None, tls_routes=None, bidi=False):
        self.dir, self.domain = directory, domain
        os.makedirs(os.path.join(directory, "data"))
        os.makedirs(os.path.join(directory, "modules"))
        self.c2s_port, self.s2s_port = free_port(), free_port()
        self.s2s_tls_port = free_port() if tls_routes is not None else None
        cert = certificate(directory, domain, certfile)
        cafile = f', cafile = "{trusted(directory, ca_file)}"' if ca_file else ""
        secure, dialback, no_dialback = ("true", "", ', "dialback"') if ca_file else ("false", '"dialback", ', "")
        extra_modules = dialback + ('"s2s_bidi", ' if bidi else "")
        with open(os.path.join(directory, "modules", "mod_test_s2s_routes.lua"), "w") as f:
            f.write(ROUTES_MODULE)
        lua_routes = ", ".join(f'["{d}"] = {p}' for d, p in routes.items())
        lua_tls_routes = ", ".join(f'["{d}"] = {p}' for d, p in (tls_routes or {}).items())
        self.config = os.path.join(directory, "prosody.cfg.lua")
        with open(self.config, "w") as f:
            f.write(f"""pidfile = "{directory}/prosody.pid"
data_path = "{directory}/data"
plugin_paths = {{ "{directory}/modules" }}
log = {{ {{ levels = {{ min = "debug" }}, to = "file", filename = "{directory}/prosody.log" }} }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {self.c2s_port} }}
s2s_ports = {{ {self.s2s_port} }}
c2s_direct_tls_ports = {{ }}
s2s_direct_tls_ports = {{ {self.s2s_tls_port or ""} }}
http_ports = {{ }}
https_ports = {{ }}
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = {secure}
allow_registration = false
modules_enabled = {{ "roster", "saslauth", "tls", {extra_modules}"disco", "ping", "posix", "test_s2s_routes" }}
modules_disabled = {{ "offline"{no_dialback} }}
test_s2s_routes = {{ {lua_routes} }}
test_s2s_tls_routes = {{ {lua_tls_routes} }}
ssl = {{ certificate = "{cert}", key = "{cert}"{cafile} }}
VirtualHost "{domain}"
""")
        self.prefix = as_user("prosody", directory)
        self.env = {"HOME": directory, "LANG": "C.UTF-8", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        try:
            self._spawn(self.prefix + [PROSODY, "-F", "--config", self.config], self.env)
            wait_port(self.c2s_port, self.proc, "prosody", self.log)
        except BaseException:
            self.stop()
            raise

    def add_user(self, name, password):
        jid = f"{name}@{self.domain}"
        # prosodyctl reads the password (twice) from its standard input, never from argv.
        r = subprocess.run(self.prefix + [PROSODYCTL, "--config", self.config, "adduser", jid],
                           input=f"{password}\n{password}\n", env=self.env, capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"prosodyctl adduser failed ({r.returncode}): {r.stdout}{r.stderr}")
        return jid


def have(path):
    return os.access(path, os.X_OK)


def remove(directory):
    shutil.rmtree(directory, ignore_errors=True)
