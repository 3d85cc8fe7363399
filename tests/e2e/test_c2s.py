"""End-to-end: cl-jabberd against a private slapd, driven by slixmpp and a raw socket client.

Each TestCase class gets its own slapd and server (setUpClass), so ctest can run them in
parallel and a failure in one leaves the others clean.
"""
import asyncio
import base64
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, login, logout, next_item, round_trip, run  # noqa: E402
from harness import World, WorldCase  # noqa: E402
from raw import HEADER, Raw  # noqa: E402



class WorldTest(WorldCase):
    server_args = ()
    max_stanza_size = 65536
    jabber_lines = ""

    @classmethod
    def setUpClass(cls):
        cls.world = World(cls.server_args, cls.max_stanza_size, cls.jabber_lines)
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob pw ü")
        cls.world.add_user("carol", "carol-pw")
        cls.world.lock("carol")



class Login(WorldTest):
    def test_server_reads_the_directory_as_its_read_only_identity(self):
        # Never as the manager: the whole class (logins, the lock, the live roster) runs so.
        self.assertIn("reading as cn=cl-jabberd,ou=Services,dc=test", self.world.server_log())

    def test_starttls_login(self):
        async def go():
            c, ok = await login(self.alice + "/laptop", "alice-pw", self.world.port)
            self.assertIs(ok, True)
            self.assertEqual(str(c.boundjid), self.alice + "/laptop")
            await logout(c)
        run(go())

    def test_direct_tls_login(self):
        async def go():
            c, ok = await login(self.bob + "/phone", "bob pw ü", self.world.tls_port, direct_tls=True)
            self.assertIs(ok, True)
            await logout(c)
        run(go())

    def test_wrong_password(self):
        async def go():
            c, outcome = await login(self.alice, "nope", self.world.port)
            self.assertEqual(outcome, "not-authorized")
            c.abort()
        run(go())
        self.assertNotIn("nope", self.world.server_log(), "a password must never be logged")

    def test_unknown_user_looks_like_a_wrong_password(self):
        async def go():
            c, outcome = await login("nobody@localhost", "whatever", self.world.port)
            self.assertEqual(outcome, "not-authorized")
            c.abort()
        run(go())

    def test_empty_password_is_refused(self):
        r = Raw(self.world.port)
        try:
            r.starttls()
            r.send(HEADER)
            r.read_until("</stream:features>")
            r.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAA==</auth>")
            self.assertIn("<not-authorized/>", r.read_until("</failure>"))
        finally:
            r.close()

    def test_locked_account_is_disabled(self):
        async def go():
            c, outcome = await login("carol@localhost", "carol-pw", self.world.port)
            self.assertEqual(outcome, "account-disabled")
            c.abort()
        run(go())

    def test_no_auth_before_tls(self):
        r = Raw(self.world.port)
        try:
            r.send(HEADER)
            features = r.read_until("</stream:features>")
            self.assertIn("<required/>", features)
            self.assertNotIn("PLAIN", features)
            r.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAGFsaWNlLXB3</auth>")
            self.assertIn("<encryption-required/>", r.read_until("</failure>"))
        finally:
            r.close()


class Chat(WorldTest):
    def test_message_between_two_users(self):
        async def go():
            a, ok_a = await login(self.alice + "/a", "alice-pw", self.world.port)
            b, ok_b = await login(self.bob + "/b", "bob pw ü", self.world.port)
            self.assertTrue(ok_a is True and ok_b is True)
            a.send_presence()
            b.send_presence()
            await round_trip(b)  # b's presence handled: a message to the bare JID reaches b
            a.send_message(mto=self.bob, mbody="привет, Bob", mtype="chat")
            m = await next_item(b.received, lambda m: m["body"])
            self.assertEqual(m["body"], "привет, Bob")
            self.assertEqual(str(m["from"]), self.alice + "/a")
            b.send_message(mto=str(m["from"]), mbody="hi", mtype="chat")
            back = await next_item(a.received, lambda m: m["body"])
            self.assertEqual(back["body"], "hi")
            await logout(a)
            await logout(b)
        run(go())

    def test_message_carbons_reach_the_other_clients_that_asked(self):
        async def go():
            one, _ = await login(self.alice + "/one", "alice-pw", self.world.port)
            two, _ = await login(self.alice + "/two", "alice-pw", self.world.port)
            three, _ = await login(self.alice + "/three", "alice-pw", self.world.port)
            b, _ = await login(self.bob + "/b", "bob pw ü", self.world.port)
            carbons = {}
            for c in (one, two, three):
                c.register_plugin("xep_0280")
                carbons[c] = asyncio.Queue()
                for event in ("carbon_received", "carbon_sent"):
                    c.add_event_handler(event, lambda m, q=carbons[c], e=event: q.put_nowait((e, m)))
                c.send_presence()
            b.send_presence()
            info = await one["xep_0030"].get_info(jid="localhost")
            self.assertIn("urn:xmpp:carbons:2", info["disco_info"]["features"])
            await one["xep_0280"].enable()
            await two["xep_0280"].enable()  # three never asks
            for c in (three, b):
                await round_trip(c)  # their presences handled too

            b.send_message(mto=self.alice + "/one", mbody="to one", mtype="chat")
            self.assertEqual((await next_item(one.received, lambda m: m["body"]))["body"], "to one")
            kind, m = await next_item(carbons[two])
            self.assertEqual(kind, "carbon_received")
            self.assertEqual(str(m["from"]), self.alice)
            inner = m["carbon_received"]
            self.assertEqual((inner["body"], str(inner["from"]), str(inner["to"])),
                             ("to one", self.bob + "/b", self.alice + "/one"))

            one.send_message(mto=self.bob, mbody="from one", mtype="chat")
            self.assertEqual((await next_item(b.received, lambda m: m["body"]))["body"], "from one")
            kind, m = await next_item(carbons[two])
            self.assertEqual(kind, "carbon_sent")
            inner = m["carbon_sent"]
            self.assertEqual((inner["body"], str(inner["from"])), ("from one", self.alice + "/one"))

            # Marked private: the others get no copy; after disable, two gets none either.
            private = one.make_message(mto=self.bob, mbody="private", mtype="chat")
            private.enable("carbon_private")
            private.send()
            self.assertEqual((await next_item(b.received, lambda m: m["body"]))["body"], "private")
            await two["xep_0280"].disable()
            b.send_message(mto=self.alice + "/one", mbody="after disable", mtype="chat")
            self.assertEqual((await next_item(one.received, lambda m: m["body"]))["body"], "after disable")
            # A copy is made while the message is routed, which one has seen end: each client's
            # round trip comes after any copy queued for it.
            self.assertEqual(await arrived_before_round_trip(two, carbons[two]), [],
                             "no copy of a private message, none after disable")
            self.assertEqual(await arrived_before_round_trip(three, carbons[three]), [],
                             "three never asked for copies")
            self.assertEqual(await arrived_before_round_trip(one, carbons[one]), [],
                             "no copy goes back to the client that sent or got it")
            for c in (one, two, three, b):
                await logout(c)
        run(go())

    def test_directed_presence_and_unavailable_on_disconnect(self):
        async def go():
            a, _ = await login(self.alice + "/p", "alice-pw", self.world.port)
            b, _ = await login(self.bob + "/p", "bob pw ü", self.world.port)
            b.send_presence()
            a.send_presence(pto=self.bob + "/p", pstatus="here for you")
            p = await next_item(b.presences, lambda p: str(p["from"]) == self.alice + "/p")
            self.assertEqual(p["type"], "available")
            self.assertEqual(p["status"], "here for you")
            a.abort()  # not a clean logout: the server must still say unavailable
            gone = await next_item(b.presences, lambda p: str(p["from"]) == self.alice + "/p")
            self.assertEqual(gone["type"], "unavailable")
            await logout(b)
        run(go())

    def test_unknown_recipient_gets_service_unavailable(self):
        # (An offline account's messages are stored now: test_offline.py.)
        async def go():
            a, _ = await login(self.alice + "/o", "alice-pw", self.world.port)
            a.send_message(mto="nobody@localhost", mbody="anyone?", mtype="chat")
            err = await next_item(a.received, lambda m: m["type"] == "error")
            self.assertEqual(err["error"]["condition"], "service-unavailable")
            await logout(a)
        run(go())

    def test_resource_conflict_replaces_the_old_session(self):
        async def go():
            first, _ = await login(self.alice + "/same", "alice-pw", self.world.port)
            second, ok = await login(self.alice + "/same", "alice-pw", self.world.port)
            self.assertIs(ok, True)
            await asyncio.wait_for(first.disconnected_event.wait(), 10)
            self.assertIn("conflict", first.stream_errors)
            pong = await second.plugin["xep_0199"].ping("localhost", timeout=5)
            self.assertIsNotNone(pong)
            await logout(second)
        run(go())

    def test_iq_errors_disco_ping_version(self):
        async def go():
            a, _ = await login(self.alice + "/iq", "alice-pw", self.world.port)
            info = await a.plugin["xep_0030"].get_info(jid="localhost", timeout=5)
            features = info["disco_info"]["features"]
            self.assertIn("urn:xmpp:ping", features)
            self.assertIn("jabber:iq:version", features)
            version = await a.plugin["xep_0092"].get_version("localhost", timeout=5)
            self.assertEqual(version["software_version"]["name"], "cl-jabberd")
            # An unknown namespace: service-unavailable.
            iq = a.make_iq_get(queryxmlns="urn:example:unknown", ito="localhost")
            try:
                await iq.send(timeout=5)
                self.fail("expected an error")
            except Exception as e:  # slixmpp.exceptions.IqError
                self.assertEqual(e.iq["error"]["condition"], "service-unavailable")
            # An unknown disco node: item-not-found.
            try:
                await a.plugin["xep_0030"].get_info(jid="localhost", node="no-such-node", timeout=5)
                self.fail("expected an error")
            except Exception as e:
                self.assertEqual(e.iq["error"]["condition"], "item-not-found")
            # An IQ to a resource that is not there: service-unavailable.
            try:
                await a.plugin["xep_0199"].send_ping(self.bob + "/nowhere", timeout=5)
                self.fail("expected an error")
            except Exception as e:
                self.assertEqual(e.iq["error"]["condition"], "service-unavailable")
            await logout(a)
        run(go())


class Hostile(WorldTest):
    max_stanza_size = 10240  # the smallest accepted (jabberadmin.conf(5))
    server_args = ("--keepalive", "0.3")
    # The deaf client below floods itself: its rate limit would make that take minutes.
    jabber_lines = "stanza_rate = 0\nbyte_rate = 0\n"

    def test_oversized_stanza_is_policy_violation(self):
        r = Raw(self.world.port)
        try:
            r.starttls()
            r.login("alice", "alice-pw")
            # Never finished: the server must not wait for the end of the element.
            r.send("<message to='bob@localhost'><body>" + "x" * 20000)
            out = r.read_to_close()
            self.assertIn("<policy-violation", out)
            self.assertIn(">Stanza larger than the limit of 10240 bytes</text>", out)
            self.assertIn("</stream:stream>", out)
        finally:
            r.close()

    def test_utf16_stream_is_unsupported_encoding(self):
        r = Raw(self.world.port)
        try:
            r.send(b"\xff\xfe" + HEADER.encode("utf-16-le"))
            self.assertIn("<unsupported-encoding", r.read_to_close())
        finally:
            r.close()

    def test_doctype_is_restricted_xml(self):
        r = Raw(self.world.port)
        try:
            r.send("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>")
            self.assertIn("<restricted-xml", r.read_to_close())
        finally:
            r.close()

    def test_forged_from_is_invalid_from(self):
        r = Raw(self.world.port)
        try:
            r.starttls()
            r.login("alice", "alice-pw", "forger")
            r.send("<message from='bob@localhost/x' to='alice@localhost'><body>hi</body></message>")
            self.assertIn("<invalid-from", r.read_to_close())
        finally:
            r.close()

    def test_whitespace_keepalive(self):
        r = Raw(self.world.port)
        try:
            r.starttls()
            r.login("alice", "alice-pw", "idle")
            time.sleep(1.0)
            r.sock.settimeout(2)
            data = r.sock.recv(100)
            self.assertTrue(data.strip() == b"" and len(data) > 0, data)
        finally:
            r.close()

    def test_garbage_instead_of_a_tls_handshake_closes_only_that_connection(self):
        r = Raw(self.world.port)
        try:
            r.send(HEADER)
            r.read_until("</stream:features>")
            r.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            r.read_until("<proceed")
            r.send(b"\x16\x03\x01\x00\x05not a ClientHello at all" * 4)
            started = time.monotonic()
            r.read_to_close(timeout=5)
            self.assertLess(time.monotonic() - started, 5)
        finally:
            r.close()
        ok = Raw(self.world.port)
        try:
            ok.starttls()
            self.assertIn("<jid>alice@localhost/after-garbage</jid>", ok.login("alice", "alice-pw", "after-garbage"))
        finally:
            ok.close()

    def test_a_client_that_stops_reading_is_dropped_and_the_server_carries_on(self):
        r = Raw(self.world.port)
        r.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            r.starttls()
            r.login("alice", "alice-pw", "deaf")
            # Messages to itself that it never reads: the server's queue for it passes its
            # 1 MiB bound once the kernel's buffers are full, and it is dropped.
            body = "y" * 8000
            stanza = f"<message to='alice@localhost/deaf'><body>{body}</body></message>".encode()
            sent, dropped = 0, False
            deadline = time.monotonic() + 60
            r.sock.settimeout(5)
            while time.monotonic() < deadline and sent < 64 * 1024 * 1024:
                try:
                    r.sock.sendall(stanza * 16)
                    sent += len(stanza) * 16
                except (OSError, TimeoutError):
                    dropped = True
                    break
            self.assertTrue(dropped, f"still connected after {sent} bytes")
        finally:
            r.close()
        self.assertIn("client does not read; dropping the connection", self.world.server_log())
        ok = Raw(self.world.port)
        try:
            ok.starttls()
            ok.login("bob", "bob pw ü", "still-served")
            ok.send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
            self.assertIn("id='p1'", ok.read_until("id='p1'"))
        finally:
            ok.close()

    def test_repeated_wrong_passwords_are_rate_limited(self):
        # 10 failures per address per minute: the rest are refused without asking LDAP.
        # (A name per attempt: an account's own failures would slow its checks down first.)
        outcomes = []
        # An address of its own, so the other tests' logins from 127.0.0.1 stay welcome.
        names = (f"nobody{i}" for i in range(12))
        for i in range(4):
            r = Raw(self.world.port, source="127.0.0.7")
            try:
                r.starttls()
                r.send(HEADER)
                r.read_until("</stream:features>")
                for _ in range(3):
                    r.take()
                    cred = base64.b64encode(b"\0" + next(names).encode() + b"\0wrong").decode()
                    r.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{cred}</auth>")
                    outcomes.append(r.read_until("</failure>"))
            except ConnectionError:
                pass
            finally:
                r.close()
        self.assertTrue(any("Too many failed attempts" in o for o in outcomes), outcomes[-1])
        self.assertIn("too many failed logins", self.world.server_log())


class Lifecycle(WorldTest):
    def test_sighup_reloads_and_sigterm_closes_every_stream(self):
        r = Raw(self.world.port)
        r2 = Raw(self.world.tls_port, direct_tls=True)
        try:
            r.starttls()
            r.login("alice", "alice-pw", "one")
            r2.login("bob", "bob pw ü", "two")
            self.world.server.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "reloaded: SHA-256" not in self.world.server_log() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("reloaded: SHA-256", self.world.server_log())
            start = time.monotonic()
            self.world.server.send_signal(signal.SIGTERM)
            for c in (r, r2):
                out = c.read_to_close()
                self.assertIn("<system-shutdown", out)
                self.assertIn("</stream:stream>", out)
            self.assertEqual(self.world.server.wait(10), 0)
            self.assertLess(time.monotonic() - start, 5)
        finally:
            r.close()
            r2.close()


class FrozenDirectory(WorldTest):
    def test_a_frozen_ldap_server_stalls_no_other_stream(self):
        pid = int(open(os.path.join(self.world.dir, "ldap", "slapd.pid")).read().split()[0])

        async def go():
            a, ok = await login(self.alice + "/online", "alice-pw", self.world.port)
            self.assertIs(ok, True)
            os.kill(pid, signal.SIGSTOP)
            try:
                # A login now waits on LDAP; the logged-in stream must still be served at once.
                pending = asyncio.ensure_future(login(self.bob + "/waiting", "bob pw ü", self.world.port))
                await asyncio.sleep(0.5)
                start = time.monotonic()
                for _ in range(5):
                    await a.plugin["xep_0199"].ping("localhost", timeout=2)
                self.assertLess(time.monotonic() - start, 1.0)
                self.assertFalse(pending.done())
            finally:
                os.kill(pid, signal.SIGCONT)
            b, ok = await pending
            self.assertIn(ok, (True, "temporary-auth-failure"))
            b.abort()
            await logout(a)
        run(go())


if __name__ == "__main__":
    unittest.main()
