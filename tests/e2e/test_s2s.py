"""Federation: two cl-jabberd instances on loopback, a.test and b.test, each with its own
slapd, linked by the static route map (no DNS): messages both ways with dialback on
self-signed certificates and with SASL EXTERNAL on certificates of a test CA; a blocked
domain refused both ways; a link that lies about 'from' closed; unroutable domains bounced;
a presence subscription made across the link both ways, with presence following it; a
flooding link slowed down while local users go on; XEP-0288 bidirectional links, one
connection both ways, asked for by cl-jabberd and by hand-made peers, whose stanzas from
any other domain end the link."""
import asyncio
import base64
import os
import socket
import ssl
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item, round_trip, run  # noqa: E402
from harness import World, free_port  # noqa: E402
from raw import Raw  # noqa: E402
from test_muc import hear_rooms  # noqa: E402
from test_roster import connect as roster_login, roster_get  # noqa: E402


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=cwd)


class TestCa:
    """A CA in a temp dir that signs server certificates for domains."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.key, self.cert = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
                "-keyout", self.key, "-out", self.cert, cwd=directory)

    def issue(self, domain):
        """A PEM with key and certificate for domain (key, then the certificate)."""
        key, csr, crt = (os.path.join(self.dir, f"{domain}.{ext}") for ext in ("key", "csr", "crt"))
        ext = os.path.join(self.dir, f"{domain}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{domain}\nextendedKeyUsage=serverAuth,clientAuth\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={domain}", "-keyout", key, "-out", csr,
                cwd=self.dir)
        openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial", "-days", "2",
                "-extfile", ext, "-out", crt, cwd=self.dir)
        pem = os.path.join(self.dir, f"{domain}.pem")
        with open(pem, "w") as out, open(key) as k, open(crt) as c:
            out.write(k.read() + c.read())
        os.chmod(pem, 0o600)
        return pem


class DomainWorld(World):
    """A World serving one domain with federation on, on s2s_port, with extra [jabber] lines."""

    def __init__(self, domain, s2s_port, lines="", certfile=None):
        self.domain, self.s2s_port, self.given_cert = domain, s2s_port, certfile
        self.served_host = self.certificate_name = domain
        super().__init__(jabber_lines=f"s2s = true\ns2s_port = {s2s_port}\n" + lines)

    def _certificate(self):
        if self.given_cert:
            self.certfile = self.given_cert
        else:
            super()._certificate()

    def add_user(self, name, password):
        super().add_user(name, password)
        return f"{name}@{self.domain}"

    async def log_shows(self, text, timeout=10):
        deadline = asyncio.get_event_loop().time() + timeout
        while asyncio.get_event_loop().time() < deadline:
            if text in self.server_log():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} not in the log of {self.domain}:\n{self.server_log()[-3000:]}")


def route(domain, port, direct_tls=False):
    return f"{domain}={'tls://' if direct_tls else ''}127.0.0.1:{port}"


async def subscribe_both_ways(test, mine, theirs, timeout=20):
    """Two users on either side of a link, each (bare JID, password, c2s port), subscribe to
    each other, approving by hand: the request waits as "ask", both rosters end "both",
    presence follows each approval, and the first user's going away reaches the other; then
    the first undoes both subscriptions across the link and both rosters end "none"."""
    (me, my_jid), (other, other_jid) = [(await roster_login(jid + "/r", pw, port), jid) for jid, pw, port in (mine, theirs)]
    try:
        for c in (me, other):
            c.auto_authorize, c.auto_subscribe = None, False  # answered by hand below
            await roster_get(c)
            c.send_presence()
        # I ask; my server keeps the request pending and sends it over the link.
        me.send_presence(pto=other_jid, ptype="subscribe")
        _, item, _ = await next_item(me.pushes, lambda x: x[1]["jid"] == other_jid)
        test.assertEqual((item["subscription"], item["ask"]), ("none", "subscribe"))
        req = await next_item(other.presences, lambda x: x["type"] in ("subscribe", "error"), timeout=timeout)
        test.assertEqual((req["type"], req["from"].bare), ("subscribe", my_jid))
        # The other approves: my item becomes "to", and the other's presence reaches me.
        other.send_presence(pto=my_jid, ptype="subscribed")
        _, item, _ = await next_item(me.pushes, lambda x: x[1]["subscription"] == "to", timeout=timeout)
        test.assertEqual((item["jid"], item["ask"]), (other_jid, None))
        await next_item(me.presences, lambda x: str(x["from"]) == other_jid + "/r" and x["type"] == "available",
                        timeout=timeout)
        # And back: the other asks, I approve: "both" on both sides, my presence reaches the other.
        other.send_presence(pto=my_jid, ptype="subscribe")
        await next_item(me.presences, lambda x: x["type"] == "subscribe" and x["from"].bare == other_jid,
                        timeout=timeout)
        me.send_presence(pto=other_jid, ptype="subscribed")
        _, item, _ = await next_item(other.pushes, lambda x: x[1]["subscription"] == "both", timeout=timeout)
        test.assertEqual(item["jid"], my_jid)
        await next_item(other.presences, lambda x: str(x["from"]) == my_jid + "/r" and x["type"] == "available",
                        timeout=timeout)
        for c, contact in ((me, other_jid), (other, my_jid)):
            _, items = await roster_get(c)
            test.assertEqual(items[contact]["subscription"], "both")
        # I go away: the other is told over the link, as a subscriber.
        me.send_presence(ptype="unavailable")
        await next_item(other.presences, lambda x: str(x["from"]) == my_jid + "/r" and x["type"] == "unavailable",
                        timeout=timeout)
        # Undone across the link (RFC 6121 §3.3, §3.2): I unsubscribe from the other's presence
        # (mine "from", theirs "to"), then cancel the other's subscription to mine ("none").
        def pushed(c, contact, state):
            return next_item(c.pushes, lambda x: x[1]["jid"] == contact and x[1]["subscription"] == state,
                             timeout=timeout)
        me.send_presence(pto=other_jid, ptype="unsubscribe")
        await pushed(me, other_jid, "from")
        await pushed(other, my_jid, "to")
        me.send_presence(pto=other_jid, ptype="unsubscribed")
        await pushed(me, other_jid, "none")
        await pushed(other, my_jid, "none")
        for c, contact in ((me, other_jid), (other, my_jid)):
            _, items = await roster_get(c)
            test.assertEqual(items[contact]["subscription"], "none", contact)
    finally:
        await logout(me)
        await logout(other)


class Pair(unittest.TestCase):
    """a.test and b.test, each routing to the other; subclasses say how they authenticate."""
    lines_a = lines_b = ""
    ca = None
    direct_tls = False  # each routes to the other's direct-TLS port (XEP-0368)

    @classmethod
    def certificates(cls, directory):
        return None, None

    @classmethod
    def setUpClass(cls):
        cls.port_a, cls.port_b = free_port(), free_port()
        cls.dead_port = free_port()  # nobody listens here
        cls.fake_port = free_port()  # a hand-made peer serving fake.test, when a test plays one
        cls.tmp = __import__("tempfile").mkdtemp(prefix="ja-s2s-", dir="/tmp")
        cert_a, cert_b = cls.certificates(cls.tmp)
        cls.tls_a, cls.tls_b = (free_port(), free_port()) if cls.direct_tls else (0, 0)
        to_b, to_a = (cls.tls_b, cls.tls_a) if cls.direct_tls else (cls.port_b, cls.port_a)
        # conference.a.test is a.test's MUC service: b.test finds it where it finds a.test.
        routes_a = (f"s2s_routes = ['{route('b.test', to_b, cls.direct_tls)}', '{route('dead.test', cls.dead_port)}', "
                    f"'{route('fake.test', cls.fake_port)}']\n"
                    f"s2s_tls_port = {cls.tls_a}\n")
        routes_b = (f"s2s_routes = ['{route('a.test', to_a, cls.direct_tls)}', "
                    f"'{route('conference.a.test', to_a, cls.direct_tls)}']\ns2s_tls_port = {cls.tls_b}\n")
        cls.a = DomainWorld("a.test", cls.port_a, routes_a + cls.lines_a.format(tmp=cls.tmp), cert_a)
        try:
            cls.b = DomainWorld("b.test", cls.port_b, routes_b + cls.lines_b.format(tmp=cls.tmp), cert_b)
        except BaseException:
            cls.a.stop()
            raise
        cls.alice = cls.a.add_user("alice", "pw-alice")
        cls.bob = cls.b.add_user("bob", "pw-bob")

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()
        __import__("shutil").rmtree(cls.tmp, ignore_errors=True)

    def tearDown(self):
        if any(e is not None for e in (self._outcome.errors if hasattr(self._outcome, "errors") else [])):
            sys.stderr.write("--- a.test\n" + self.a.server_log()[-5000:] + "\n--- b.test\n" +
                             self.b.server_log()[-5000:])

    async def alice_and_bob(self):
        """alice on a.test and bob on b.test, logged in."""
        alice, ok = await login(self.alice, "pw-alice", self.a.port)
        self.assertIs(ok, True)
        bob, ok = await login(self.bob, "pw-bob", self.b.port)
        self.assertIs(ok, True)
        return alice, bob

    async def chat_both_ways(self):
        alice, bob = await self.alice_and_bob()
        alice.send_presence()
        bob.send_presence()
        await asyncio.sleep(0.2)
        try:
            alice.send_message(mto=self.bob, mbody="hello from a", mtype="chat")
            m = await next_item(bob.received, lambda m: m["body"] == "hello from a" or m["type"] == "error")
            self.assertEqual(m["type"], "chat", m)
            self.assertEqual(m["from"].bare, self.alice)
            self.assertEqual(str(m["from"]), str(alice.boundjid))
            bob.send_message(mto=m["from"], mbody="hello from b", mtype="chat")
            r = await next_item(alice.received, lambda m: m["body"] == "hello from b" or m["type"] == "error")
            self.assertEqual(r["type"], "chat", r)
            self.assertEqual(str(r["from"]), str(bob.boundjid))
            # An IQ across, to the other server itself: its result comes back (over the other link,
            # or over the same one where it is bidirectional).
            await alice.plugin["xep_0199"].ping("b.test", timeout=10)
        finally:
            await logout(alice)
            await logout(bob)


class Dialback(Pair):
    """Self-signed certificates, which prove nothing: XEP-0220 dialback."""

    def test_message_both_ways_by_dialback(self):
        run(self.chat_both_ways())
        run(self.a.log_shows("s2s out a.test -> b.test: authenticated by dialback"))
        run(self.b.log_shows("s2s out b.test -> a.test: authenticated by dialback"))
        self.assertIn("s2s in 127.0.0.1 (a.test): authenticated a.test by dialback", self.b.server_log())

    def test_a_bidirectional_link_takes_stanzas_from_its_peer_domain_only(self):
        """fake.test, played by hand, offers XEP-0288 and dialback: a.test's link to it asks for
        bidi before its dialback key, delivers fake.test's stanza for alice that comes back over
        the link, and closes the link on one from another domain."""
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=fake.test", "-keyout", "fake.key", "-out", "fake.crt"],
                       check=True, capture_output=True, timeout=60, cwd=self.tmp)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(self.tmp, "fake.crt"), os.path.join(self.tmp, "fake.key"))
        listener = socket.create_server(("127.0.0.1", self.fake_port))
        head = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
                "xmlns:stream='http://etherx.jabber.org/streams' id='fake-{}' from='fake.test' to='a.test' "
                "version='1.0'>")

        def take_link():
            """Accepts a.test's link and plays the receiving server up to its first stanza."""
            listener.settimeout(10)
            sock, _ = listener.accept()
            raw = Raw.over(sock)
            raw.read_until("version='1.0'>")
            raw.take()
            raw.send(head.format(1) + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                     "<required/></starttls><bidi xmlns='urn:xmpp:features:bidi'/></stream:features>")
            raw.read_until("<starttls")
            raw.take()
            raw.send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            raw.sock = tls.wrap_socket(raw.sock, server_side=True)
            raw.read_until("version='1.0'>")
            raw.take()
            raw.send(head.format(2) + "<stream:features><bidi xmlns='urn:xmpp:features:bidi'/>"
                     "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>")
            asked = raw.read_until("</db:result>")
            raw.take()
            # The key is the originating server's to prove; this peer simply takes it.
            raw.send("<db:result from='fake.test' to='a.test' type='valid'/>")
            return raw, asked, raw.read_until("</message>")

        async def go():
            alice, ok = await login(self.alice, "pw-alice", self.a.port)
            self.assertIs(ok, True)
            raw = None
            try:
                alice.send_presence()
                alice.send_message(mto="carol@fake.test", mbody="to fake", mtype="chat")
                raw, asked, first = await asyncio.to_thread(take_link)
                self.assertIn("<bidi xmlns='urn:xmpp:bidi'/>", asked)
                self.assertLess(asked.index("<bidi"), asked.index("<db:result"), "bidi is asked for before dialback")
                self.assertIn("to fake", first)
                raw.send(f"<message from='carol@fake.test/x' to='{alice.boundjid}' type='chat'>"
                         "<body>back over the same link</body></message>")
                m = await next_item(alice.received, lambda m: m["body"] == "back over the same link")
                self.assertEqual(str(m["from"]), "carol@fake.test/x")
                raw.send(f"<message from='mallory@evil.test' to='{alice.boundjid}' type='chat'>"
                         "<body>spoofed</body></message>")
                self.assertIn("<invalid-from", await asyncio.to_thread(raw.read_to_close))
                await round_trip(alice)  # whatever the server had for alice has arrived
                bodies = []
                while not alice.received.empty():
                    bodies.append(alice.received.get_nowait()["body"])
                self.assertNotIn("spoofed", bodies)
            finally:
                if raw is not None:
                    raw.close()
                await logout(alice)

        try:
            run(go())
        finally:
            listener.close()
        run(self.a.log_shows("s2s out a.test -> fake.test: link up"))
        run(self.a.log_shows("bidirectional (XEP-0288): the peer's stanzas to us come back over it"))

    def test_a_user_of_b_in_a_room_of_a(self):
        """XEP-0045 across the link: bob@b.test joins a room of conference.a.test that alice
        made; each hears the other's groupchat message, from the room's occupant JID."""
        room = "lounge@conference.a.test"

        async def go():
            alice, bob = await self.alice_and_bob()
            try:
                for c in (alice, bob):
                    hear_rooms(c)
                    c.register_plugin("xep_0004")
                presence, _, _, _ = await alice.plugin["xep_0045"].join_muc_wait(room, "Alice", timeout=20)
                self.assertIn(201, presence["muc"]["status_codes"])
                await alice.plugin["xep_0045"].set_room_config(
                    room, alice.plugin["xep_0004"].make_form(ftype="submit"), timeout=20)
                presence, _, occupants, _ = await bob.plugin["xep_0045"].join_muc_wait(room, "Bob", timeout=20)
                self.assertEqual(sorted(str(p["from"]) for p in occupants), [room + "/Alice", room + "/Bob"])
                self.assertEqual(str(presence["muc"]["jid"]), str(bob.boundjid), "his own full JID, across the link")
                bob.send_message(mto=room, mbody="hello room from b", mtype="groupchat")
                for c in (alice, bob):
                    m = await next_item(c.groupchat, lambda m: m["body"] == "hello room from b", timeout=20)
                    self.assertEqual(str(m["from"]), room + "/Bob")
                alice.send_message(mto=room, mbody="hello b from the room", mtype="groupchat")
                m = await next_item(bob.groupchat, lambda m: m["body"] == "hello b from the room", timeout=20)
                self.assertEqual(str(m["from"]), room + "/Alice")
            finally:
                await logout(alice)
                await logout(bob)
        run(go())
        run(self.b.log_shows("s2s out b.test -> conference.a.test: authenticated by dialback"))

    def test_unroutable_domains_bounce(self):
        async def go():
            alice, ok = await login(self.alice, "pw-alice", self.a.port)
            self.assertIs(ok, True)
            try:
                alice.send_message(mto="someone@dead.test", mbody="anyone?", mtype="chat")
                e = await next_item(alice.received, lambda m: m["type"] == "error", timeout=15)
                self.assertEqual(e["error"]["condition"], "remote-server-not-found")
                self.assertEqual(e["from"].bare, "someone@dead.test")
                # Presence other than a subscription never bounces (RFC 6120 §10.4): the next
                # error is the message's, not the presence's.
                alice.send_presence(pto="someone@dead.test")
                alice.send_message(mto="other@dead.test", mbody="anyone?", mtype="chat")
                e = await next_item(alice.received, lambda m: m["type"] == "error", timeout=15)
                self.assertEqual(e["from"].bare, "other@dead.test")
            finally:
                await logout(alice)
        run(go())


    def test_subscription_both_ways_across_domains(self):
        run(subscribe_both_ways(self, (self.alice, "pw-alice", self.a.port), (self.bob, "pw-bob", self.b.port)))


class DirectTls(Pair):
    """Each routes to the other's direct-TLS port (tls:// routes, as an _xmpps-server SRV
    record would): TLS from the first byte, then dialback; no STARTTLS on those streams."""
    direct_tls = True

    def test_message_both_ways_over_direct_tls(self):
        run(self.chat_both_ways())
        run(self.a.log_shows("s2s out a.test -> b.test (direct TLS): authenticated by dialback"))
        run(self.b.log_shows("s2s out b.test -> a.test (direct TLS): authenticated by dialback"))
        self.assertIn("s2s in 127.0.0.1 (a.test) (direct TLS): authenticated a.test by dialback", self.b.server_log())
        self.assertIn("(direct TLS: %d)" % self.tls_b, self.b.server_log())

    def test_the_port_speaks_tls_first_with_alpn_and_offers_no_starttls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # self-signed: dialback decides
        ctx.set_alpn_protocols(["xmpp-server"])
        with socket.create_connection(("127.0.0.1", self.tls_b), timeout=10) as plain:
            with ctx.wrap_socket(plain, server_hostname="b.test") as tls:
                self.assertEqual(tls.selected_alpn_protocol(), "xmpp-server")
                tls.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                            b"xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
                            b"from='a.test' to='b.test' version='1.0'>")
                got = b""
                while b"</stream:features>" not in got:
                    chunk = tls.recv(4096)
                    self.assertTrue(chunk, got)
                    got += chunk
                self.assertNotIn(b"starttls", got, "XEP-0368: no STARTTLS over direct TLS")
                self.assertIn(b"urn:xmpp:features:dialback", got)
        # A client speaking plain XML to the direct-TLS port gets no stream.
        with socket.create_connection(("127.0.0.1", self.tls_b), timeout=10) as plain:
            plain.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:server' to='b.test' version='1.0'>")
            plain.settimeout(10)
            try:
                answer = plain.recv(4096)
            except ConnectionResetError:
                answer = b""
            self.assertNotIn(b"<stream:stream", answer)


class Blocked(Pair):
    """a.test blocks b.test: nothing goes out to it, and its links are refused."""
    lines_a = "s2s_block = ['b.test']\n"

    def test_blocked_both_ways(self):
        async def go():
            alice, bob = await self.alice_and_bob()
            try:
                alice.send_message(mto=self.bob, mbody="out", mtype="chat")
                e = await next_item(alice.received, lambda m: m["type"] == "error")
                self.assertEqual(e["error"]["condition"], "not-allowed")
                bob.send_message(mto=self.alice, mbody="in", mtype="chat")
                e = await next_item(bob.received, lambda m: m["type"] == "error", timeout=15)
                self.assertEqual(e["error"]["condition"], "remote-server-not-found")
                await self.a.log_shows("stream error policy-violation: Federation with b.test is refused here")
                self.assertNotIn("s2s in 127.0.0.1 (b.test): authenticated", self.a.server_log())
            finally:
                await logout(alice)
                await logout(bob)
        run(go())


class Flood(Pair):
    """b.test sends faster than a.test lets one link send: the link is read more slowly, nothing
    is lost, and a local user's message to the same recipient is not stuck behind the flood."""
    lines_a = "s2s_stanza_rate = 10\n"  # bursts of 20

    def test_a_flooding_link_is_slowed_and_local_users_go_on(self):
        carol = self.a.add_user("carol", "pw-carol")
        count = 60  # within bob's own client burst (100), three times the link's burst

        async def go():
            clients = []
            try:
                for jid, pw, port in ((self.alice, "pw-alice", self.a.port), (self.bob, "pw-bob", self.b.port),
                                      (carol, "pw-carol", self.a.port)):
                    c, ok = await login(jid, pw, port)
                    self.assertIs(ok, True, jid)
                    c.send_presence()  # available: messages are delivered, not stored offline
                    clients.append(c)
                alice, bob, carol_c = clients
                # The link up first, so that what is timed is the flood, not the dialback.
                bob.send_message(mto=self.alice, mbody="hello", mtype="chat")
                await next_item(alice.received, lambda m: m["body"] == "hello", timeout=15)
                loop = asyncio.get_event_loop()
                started = loop.time()
                for i in range(count):
                    bob.send_message(mto=self.alice, mbody=f"flood {i}", mtype="chat")
                await next_item(alice.received, lambda m: m["body"] == "flood 25", timeout=15)
                # Mid-flood (the link is paced by now): a local message overtakes what is left of it.
                carol_c.send_message(mto=self.alice, mbody="local", mtype="chat")
                got = []
                while True:
                    m = await next_item(alice.received, timeout=30)
                    got.append(m["body"])
                    if m["body"] == f"flood {count - 1}":
                        break
                elapsed = loop.time() - started
                self.assertIn("local", got, "the local message came after the whole flood")
                self.assertLess(got.index("local"), len(got) - 5, got)
                self.assertEqual([b for b in got if b != "local"], [f"flood {i}" for i in range(26, count)])
                # 61 stanzas over a link allowed 10/s after a burst of 20: at least 4 s.
                self.assertGreater(elapsed, 3.5, f"the flood took {elapsed:.1f} s: not paced")
                await self.a.log_shows("sends faster than the link's rate limit; reading slowed down")
            finally:
                for c in clients:
                    await logout(c)
        run(go())


class Timeout(Pair):
    """A peer that accepts the connection and never speaks: the queue gives up in time."""
    lines_a = "s2s_queue_timeout = 2\n"

    def test_silent_peer_times_out(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", self.dead_port))
        silent.listen(4)
        held = []
        stop = threading.Event()

        def accept():
            silent.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(silent.accept()[0])
                except OSError:
                    pass
        thread = threading.Thread(target=accept, daemon=True)
        thread.start()

        async def go():
            alice, ok = await login(self.alice, "pw-alice", self.a.port)
            self.assertIs(ok, True)
            try:
                alice.send_message(mto="x@dead.test", mbody="wait", mtype="chat")
                e = await next_item(alice.received, lambda m: m["type"] == "error", timeout=15)
                self.assertEqual(e["error"]["condition"], "remote-server-timeout")
            finally:
                await logout(alice)
        try:
            run(go())
        finally:
            stop.set()
            thread.join(5)
            for s in held:
                s.close()
            silent.close()


class SaslExternal(Pair):
    """Certificates of a test CA that both trust, dialback off: SASL EXTERNAL (RFC 6125 names)."""
    lines_a = lines_b = "s2s_dialback = false\ns2s_ca_file = '{tmp}/ca/ca.pem'\n"

    @classmethod
    def certificates(cls, directory):
        cls.ca = TestCa(os.path.join(directory, "ca"))
        return cls.ca.issue("a.test"), cls.ca.issue("b.test")

    def test_message_both_ways_by_certificate(self):
        run(self.chat_both_ways())
        run(self.a.log_shows("s2s out a.test -> b.test: authenticated by our certificate (SASL EXTERNAL)"))
        run(self.b.log_shows("authenticated a.test by its certificate (SASL EXTERNAL)"))
        self.assertNotIn("by dialback", self.a.server_log() + self.b.server_log())
        # XEP-0288: a.test's link carried bob's answers back; b.test opened none of its own.
        run(self.a.log_shows("s2s out a.test -> b.test: link up"))
        run(self.a.log_shows("bidirectional (XEP-0288): the peer's stanzas to us come back over it"))
        run(self.b.log_shows("(a.test): bidirectional (XEP-0288)"))
        self.assertNotIn("s2s out b.test -> a.test", self.b.server_log())

    def raw_link(self, domain="a.test", certfile=None):
        """A hand-made s2s stream into b.test, authenticated as domain by SASL EXTERNAL with
        certfile (the CA's certificate for a.test by default)."""
        raw = Raw(self.port_b)
        head = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                "xmlns:stream='http://etherx.jabber.org/streams' "
                f"from='{domain}' to='b.test' version='1.0'>")
        raw.send(head)
        raw.read_until("</stream:features>")
        raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        raw.read_until("<proceed")
        raw.take()
        ctx = ssl.create_default_context(cafile=self.ca.cert)
        ctx.load_cert_chain(certfile or os.path.join(self.tmp, "ca", f"{domain}.pem"))
        raw.sock = ctx.wrap_socket(raw.sock, server_hostname="b.test")
        raw.send(head)
        features = raw.read_until("</stream:features>")
        raw.take()
        return raw, features

    def test_spoofed_from_closes_the_link(self):
        raw, features = self.raw_link()
        try:
            self.assertIn("<mechanism>EXTERNAL</mechanism>", features)
            self.assertNotIn("dialback", features, "dialback is off")
            raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>" +
                     base64.b64encode(b"a.test").decode() + "</auth>")
            raw.read_until("<success")
            raw.take()
            raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                     "xmlns:stream='http://etherx.jabber.org/streams' from='a.test' to='b.test' version='1.0'>")
            raw.read_until("</stream:features>")
            raw.send("<message from='mallory@evil.test/x' to='bob@b.test' type='chat'><body>spoof</body></message>")
            out = raw.read_to_close()
            self.assertIn("<invalid-from", out)
        finally:
            raw.close()

    def test_unknown_to_closes_the_link(self):
        raw, _ = self.raw_link()
        try:
            raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
            raw.read_until("<success")
            raw.take()
            raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                     "xmlns:stream='http://etherx.jabber.org/streams' from='a.test' to='b.test' version='1.0'>")
            raw.read_until("</stream:features>")
            raw.send("<message from='alice@a.test/x' to='bob@elsewhere.test' type='chat'><body>?</body></message>")
            self.assertIn("<host-unknown", raw.read_to_close())
        finally:
            raw.close()

    def test_a_bidirectional_stream_carries_the_answers_back(self):
        """c.test, by hand, asks for XEP-0288 before SASL EXTERNAL: b.test's answer to its ping
        comes back over that stream (b.test has no route to c.test); on a stream that did not
        ask, the answer has no way back."""
        if not os.path.exists(os.path.join(self.tmp, "ca", "c.test.pem")):
            self.ca.issue("c.test")
        ping = ("<iq type='get' id='{0}' from='carol@c.test/r' to='b.test'>"
                "<ping xmlns='urn:xmpp:ping'/></iq>")
        for bidi in (True, False):
            raw, features = self.raw_link("c.test")
            try:
                self.assertIn("<bidi xmlns='urn:xmpp:features:bidi'/>", features)
                raw.send(("<bidi xmlns='urn:xmpp:bidi'/>" if bidi else "") +
                         "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
                raw.read_until("<success")
                raw.take()
                raw.send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                         "xmlns:stream='http://etherx.jabber.org/streams' from='c.test' to='b.test' version='1.0'>")
                features = raw.read_until("</stream:features>")
                self.assertNotIn("bidi", features.split("<stream:features")[-1], "offered only before authentication")
                raw.take()
                raw.send(ping.format(f"bidi-{bidi}"))
                if bidi:
                    raw.read_until(f"bidi-{bidi}")
                    answer = raw.read_until("/>")  # an empty result is one tag
                    self.assertIn("type='result'", answer)
                    self.assertIn(f"id='bidi-{bidi}'", answer)
                else:
                    with self.assertRaises(TimeoutError):
                        raw.read_until("<iq", timeout=2)
            finally:
                raw.close()
        self.assertIn("(c.test): bidirectional (XEP-0288)", self.b.server_log())

    def test_certificate_for_another_domain_is_refused(self):
        # The CA's certificate for a.test does not prove c.test.
        raw, features = self.raw_link(domain="c.test", certfile=os.path.join(self.tmp, "ca", "a.test.pem"))
        try:
            self.assertNotIn("EXTERNAL", features)
            raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
            raw.read_until("<failure")
            self.assertIn("<not-authorized", raw.take())
            # And dialback is off: asking for it ends the stream.
            raw.send("<db:result xmlns:db='jabber:server:dialback' from='c.test' to='b.test'>00</db:result>")
            self.assertIn("<not-authorized", raw.read_to_close())
        finally:
            raw.close()


if __name__ == "__main__":
    unittest.main()
