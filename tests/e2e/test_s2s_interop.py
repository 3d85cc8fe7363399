"""Federation with real peers (issue 18): Debian's ejabberd serving e.test and Debian's Prosody
serving p.test, each linked with a cl-jabberd serving a.test over loopback: with self-signed
certificates on every side, so that the links are authenticated by XEP-0220 dialback both
ways (EjabberdPeer, ProsodyPeer), and with certificates of a test CA and dialback off on every
side, so that they are by SASL EXTERNAL (EjabberdPeerExternal, ProsodyPeerExternal); and
with Prosody over each other's direct-TLS port (XEP-0368, ProsodyPeerDirectTls), and with
Prosody's XEP-0288 bidirectional links, one connection carrying both ways, opened by
cl-jabberd (ProsodyPeerBidi) or by Prosody (ProsodyPeerBidiInbound); each side's own log
must name the mechanism. A slixmpp user on each side exchanges chat messages both ways and a presence subscription
both ways; the rosters end "both" and presence follows the subscription. How each peer is
told where a.test listens without DNS: tests/e2e/peer_servers.py. A missing peer binary
skips its class; anything else that goes wrong is a failure."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item, run  # noqa: E402
from harness import free_port  # noqa: E402
from peer_servers import EJABBERDCTL, PROSODY, Ejabberd, Prosody, have  # noqa: E402
from test_s2s import DomainWorld, TestCa, route, subscribe_both_ways  # noqa: E402


class PeerInterop:
    """cl-jabberd (a.test, alice) and a peer server (peer_domain, pat); subclasses name the peer."""
    peer_class = None
    peer_domain = None
    external = False  # True: certificates of a test CA and SASL EXTERNAL, no dialback
    direct_tls = False  # True: both ways over the other's direct-TLS port (XEP-0368)
    bidi = False  # True: the peer does XEP-0288, so one connection carries both ways
    peer_first = False  # True: pat writes first, so the peer opens the link
    peer_says = ()  # lines of the peer's log that show both links authenticated

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ja-interop-", dir="/tmp")
        os.chmod(cls.tmp, 0o755)  # the peer runs as its own user below it
        cls.port_a = free_port()
        cert_a = cert_peer = ca_file = None
        lines_a = ""
        cls.a = cls.peer = None
        try:
            if cls.external:
                # Both certificates from one test CA that both sides trust; dialback off on both.
                ca = TestCa(os.path.join(cls.tmp, "ca"))
                cert_a, cert_peer, ca_file = ca.issue("a.test"), ca.issue(cls.peer_domain), ca.cert
                lines_a = f"s2s_dialback = false\ns2s_ca_file = '{ca_file}'\n"
            extra = {}
            if cls.direct_tls:
                cls.tls_a = free_port()
                extra = {"tls_routes": {"a.test": cls.tls_a}}
                lines_a += f"s2s_tls_port = {cls.tls_a}\n"
            if cls.bidi:
                extra["bidi"] = True
            cls.peer = cls.peer_class(os.path.join(cls.tmp, "peer"), cls.peer_domain, {"a.test": cls.port_a},
                                      certfile=cert_peer, ca_file=ca_file, **extra)
            peer_port = cls.peer.s2s_tls_port if cls.direct_tls else cls.peer.s2s_port
            cls.a = DomainWorld("a.test", cls.port_a, lines_a +
                                f"s2s_routes = ['{route(cls.peer_domain, peer_port, cls.direct_tls)}']\n", cert_a)
            cls.alice = cls.a.add_user("alice", "pw-alice")
            cls.pat = cls.peer.add_user("pat", "pw-pat")
        except BaseException:
            cls.tearDownClass()  # unittest does not when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        for server in (cls.a, cls.peer):
            if server is not None:
                server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def tearDown(self):
        # Python 3.11 records a test's errors in the result as they happen, before tearDown.
        result = getattr(self._outcome, "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            sys.stderr.write("--- a.test\n" + self.a.server_log()[-6000:] + f"\n--- {self.peer_domain}\n" +
                             self.peer.log(4000))

    def test_1_message_both_ways(self):
        async def go():
            alice, ok = await login(self.alice, "pw-alice", self.a.port)
            self.assertIs(ok, True)
            pat, ok = await login(self.pat, "pw-pat", self.peer.c2s_port)
            self.assertIs(ok, True, f"{self.pat} on the peer")
            alice.send_presence()
            pat.send_presence()
            try:
                # Whoever writes first makes their server open the link; the answer crosses back.
                first, second = (pat, alice) if self.peer_first else (alice, pat)
                first.send_message(mto=second.boundjid.bare, mbody="hello, first", mtype="chat")
                m = await next_item(second.received, lambda m: m["body"] == "hello, first" or
                                    m["type"] == "error", timeout=20)
                self.assertEqual(m["type"], "chat", m)
                self.assertEqual(str(m["from"]), str(first.boundjid))
                second.send_message(mto=m["from"], mbody="hello, second", mtype="chat")
                r = await next_item(first.received, lambda m: m["body"] == "hello, second" or
                                    m["type"] == "error", timeout=20)
                self.assertEqual(r["type"], "chat", r)
                self.assertEqual(str(r["from"]), str(second.boundjid))
                # An IQ to the peer server itself, answered over the link back.
                await alice.plugin["xep_0199"].ping(self.peer_domain, timeout=10)
            finally:
                await logout(alice)
                await logout(pat)
        run(go())
        # Both links were authenticated as the class says, in cl-jabberd's words.
        if self.bidi and self.peer_first:
            # One connection, the peer's, both ways: no link of ours to it.
            run(self.a.log_shows(f"({self.peer_domain}): bidirectional (XEP-0288)"))
            run(self.a.log_shows(f"authenticated {self.peer_domain} by its certificate (SASL EXTERNAL)"))
            self.assertNotIn(f"s2s out a.test -> {self.peer_domain}", self.a.server_log())
        elif self.bidi:
            # One connection, ours, both ways: the peer opened none to us.
            run(self.a.log_shows(f"s2s out a.test -> {self.peer_domain}: authenticated by our certificate "
                                 "(SASL EXTERNAL)"))
            run(self.a.log_shows("bidirectional (XEP-0288): the peer's stanzas to us come back over it"))
            self.assertNotIn(f"authenticated {self.peer_domain} by", self.a.server_log())
        elif self.direct_tls:
            run(self.a.log_shows(f"s2s out a.test -> {self.peer_domain} (direct TLS): authenticated by dialback"))
            run(self.a.log_shows(f"({self.peer_domain}) (direct TLS): authenticated {self.peer_domain} by dialback"))
        elif self.external:
            run(self.a.log_shows(f"s2s out a.test -> {self.peer_domain}: authenticated by our certificate "
                                 "(SASL EXTERNAL)"))
            run(self.a.log_shows(f"authenticated {self.peer_domain} by its certificate (SASL EXTERNAL)"))
            self.assertNotIn("by dialback", self.a.server_log())
        else:
            # The peer's certificate is self-signed: dialback.
            run(self.a.log_shows(f"s2s out a.test -> {self.peer_domain}: authenticated by dialback"))
            run(self.a.log_shows(f"({self.peer_domain}): authenticated {self.peer_domain} by dialback"))
        # And the peer says so in its own words.
        log = self.peer.log()
        for line in self.peer_says:
            self.assertIn(line, log)

    def test_2_subscription_both_ways(self):
        run(subscribe_both_ways(self, (self.alice, "pw-alice", self.a.port), (self.pat, "pw-pat", self.peer.c2s_port)),
            timeout=120)


@unittest.skipUnless(have(EJABBERDCTL), "ejabberd is not installed (Debian package ejabberd)")
class EjabberdPeer(PeerInterop, unittest.TestCase):
    """Debian's ejabberd 23.01 as e.test."""
    peer_class, peer_domain = Ejabberd, "e.test"
    peer_says = ("Accepted inbound s2s dialback authentication a.test -> e.test",
                 "Accepted outbound s2s dialback authentication e.test -> a.test")


@unittest.skipUnless(have(PROSODY), "Prosody is not installed (Debian package prosody)")
class ProsodyPeer(PeerInterop, unittest.TestCase):
    """Debian's Prosody 0.12 as p.test."""
    peer_class, peer_domain = Prosody, "p.test"
    peer_says = ("sent dialback key on outgoing s2s stream", "Outgoing s2s connection p.test->a.test complete",
                 "Incoming s2s connection a.test->p.test complete")



@unittest.skipUnless(have(PROSODY), "Prosody is not installed (Debian package prosody)")
class ProsodyPeerDirectTls(PeerInterop, unittest.TestCase):
    """Prosody as p.test with a direct-TLS port, each side routing to the other's: XEP-0368
    both ways (Prosody tries _xmpps-server first), then dialback on self-signed certificates."""
    peer_class, peer_domain, direct_tls = Prosody, "p.test", True
    peer_says = ("sent dialback key on outgoing s2s stream", "Outgoing s2s connection p.test->a.test complete",
                 "Incoming s2s connection a.test->p.test complete")


@unittest.skipUnless(have(EJABBERDCTL), "ejabberd is not installed (Debian package ejabberd)")
class EjabberdPeerExternal(PeerInterop, unittest.TestCase):
    """ejabberd as e.test with certificates of a test CA and no mod_s2s_dialback: SASL EXTERNAL."""
    peer_class, peer_domain, external = Ejabberd, "e.test", True
    peer_says = ("Accepted inbound s2s EXTERNAL authentication a.test -> e.test",
                 "Accepted outbound s2s EXTERNAL authentication e.test -> a.test")


@unittest.skipUnless(have(PROSODY), "Prosody is not installed (Debian package prosody)")
class ProsodyPeerExternal(PeerInterop, unittest.TestCase):
    """Prosody as p.test with certificates of a test CA, s2s_secure_auth on, no mod_dialback:
    SASL EXTERNAL."""
    peer_class, peer_domain, external = Prosody, "p.test", True
    peer_says = ("SASL EXTERNAL with a.test succeeded", "Accepting SASL EXTERNAL identity from a.test")


# mod_s2s_bidi came with Prosody 0.12; an older Prosody skips these two classes.
PROSODY_BIDI = os.path.exists("/usr/lib/prosody/modules/mod_s2s_bidi.lua")


@unittest.skipUnless(have(PROSODY) and PROSODY_BIDI, "Prosody 0.12 or later is not installed (its mod_s2s_bidi)")
class ProsodyPeerBidi(PeerInterop, unittest.TestCase):
    """Prosody as p.test with mod_s2s_bidi and certificates of a test CA: cl-jabberd's link to
    it is made bidirectional (XEP-0288) and carries pat's answers back."""
    peer_class, peer_domain, external, bidi = Prosody, "p.test", True, True
    peer_says = ("Requested bidirectional stream", "Accepting SASL EXTERNAL identity from a.test")


@unittest.skipUnless(have(PROSODY) and PROSODY_BIDI, "Prosody 0.12 or later is not installed (its mod_s2s_bidi)")
class ProsodyPeerBidiInbound(PeerInterop, unittest.TestCase):
    """The other way round: pat writes first, Prosody's link to cl-jabberd asks for XEP-0288
    and alice's answers go back over it."""
    peer_class, peer_domain, external, bidi, peer_first = Prosody, "p.test", True, True, True
    peer_says = ("Requesting bidirectional stream", "SASL EXTERNAL with a.test succeeded")


if __name__ == "__main__":
    unittest.main()
