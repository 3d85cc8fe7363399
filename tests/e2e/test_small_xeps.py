"""End-to-end: the small XEPs, each through slixmpp's own plugin. XEP-0202 entity time,
XEP-0012 last activity (uptime; an account's last logout, kept across a restart, for its
contacts only), XEP-0049 private storage (bookmarks as XEP-0048 keeps them there), XEP-0030
(what disco#info lists is answered), and ALPN on the direct-TLS port (XEP-0368).
"""
import asyncio
import datetime
import os
import socket
import ssl
import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402


class SmallXeps(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world._tool("cl-groupadd", "Staff", "jabber")
        for name, group in (("anna", "Staff"), ("boris", "Staff"), ("loner", None)):
            args = ["cl-useradd", "-P", "--allow-short-password"] + (["-g", group] if group else [])
            cls.world._tool(*args, name, "jabber", input=name + "-pw\n")

    async def client(self, name, resource="r", plugins=()):
        c, ok = await login(f"{name}@{HOST}/{resource}", name + "-pw", self.world.port)
        self.assertIs(ok, True)
        for p in plugins:
            c.register_plugin(p)
        return c


class EntityTime(SmallXeps):
    def test_server_time_is_utc_and_a_full_jid_answers_itself(self):
        async def go():
            a = await self.client("anna", plugins=["xep_0202"])
            b = await self.client("boris", "desk", plugins=["xep_0202"])
            before = datetime.datetime.now(datetime.timezone.utc)
            iq = await a.plugin["xep_0202"].get_entity_time(HOST, timeout=10)
            after = datetime.datetime.now(datetime.timezone.utc)
            self.assertEqual(iq.xml.find("{urn:xmpp:time}time/{urn:xmpp:time}tzo").text, "+00:00")
            # Read raw: slixmpp 1.8.3's get_utc appends a "Z" to the XEP-0082 time, which
            # already ends in one, and then cannot parse it.
            text = iq.xml.find("{urn:xmpp:time}time/{urn:xmpp:time}utc").text
            self.assertRegex(text, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
            utc = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            self.assertLessEqual(abs((utc - before).total_seconds()), 2 + (after - before).total_seconds(), utc)
            # To a full JID: routed to that client, whose plugin answers.
            # (slixmpp 1.8.3's own answer fails inside the plugin, so boris's client may
            # answer with an error; either way the answer is the client's, not the server's.)
            try:
                iq = await a.plugin["xep_0202"].get_entity_time(f"boris@{HOST}/desk", timeout=10)
            except IqError as e:
                iq = e.iq
                self.assertEqual(iq["error"]["text"], "Slixmpp got into trouble.")
            self.assertEqual(str(iq["from"]), f"boris@{HOST}/desk")
            info = await a.plugin["xep_0030"].get_info(HOST, timeout=10)
            self.assertIn("urn:xmpp:time", info["disco_info"]["features"])
            await logout(a)
            await logout(b)
        run(go())


class LastActivity(SmallXeps):
    def test_uptime_logout_status_restart_and_who_may_ask(self):
        async def go():
            a = await self.client("anna", plugins=["xep_0012"])
            iq = await a.plugin["xep_0012"].get_last_activity(HOST, timeout=10)
            self.assertGreaterEqual(iq["last_activity"]["seconds"], 0)
            self.assertLess(iq["last_activity"]["seconds"], 120)
            info = await a.plugin["xep_0030"].get_info(HOST, timeout=10)
            self.assertIn("jabber:iq:last", info["disco_info"]["features"])

            b = await self.client("boris", plugins=["xep_0012"])
            iq = await a.plugin["xep_0012"].get_last_activity(f"boris@{HOST}", timeout=10)
            self.assertEqual(iq["last_activity"]["seconds"], 0, "online")
            b.send_presence(ptype="unavailable", pstatus="Heading Home")
            await logout(b)
            await asyncio.sleep(2.2)
            iq = await a.plugin["xep_0012"].get_last_activity(f"boris@{HOST}", timeout=10)
            self.assertGreaterEqual(iq["last_activity"]["seconds"], 2)
            self.assertEqual(iq["last_activity"]["status"], "Heading Home")

            # Not in the group and no subscription: forbidden.
            lone = await self.client("loner", plugins=["xep_0012"])
            with self.assertRaises(IqError) as caught:
                await lone.plugin["xep_0012"].get_last_activity(f"boris@{HOST}", timeout=10)
            self.assertEqual(caught.exception.iq["error"]["condition"], "forbidden")
            await logout(lone)
            await logout(a)
        run(go())

        # Kept across a restart.
        self.world.stop_server()
        self.world.start_server()

        async def again():
            a = await self.client("anna", plugins=["xep_0012"])
            iq = await a.plugin["xep_0012"].get_last_activity(f"boris@{HOST}", timeout=10)
            self.assertGreaterEqual(iq["last_activity"]["seconds"], 2)
            self.assertEqual(iq["last_activity"]["status"], "Heading Home")
            await logout(a)
        run(again())


def own_rooms(iq):
    """The XEP-0048 conferences of a private storage answer but the Staff group room's bookmark,
    which the server gives every member of the group (cl-jabberd(8), Group rooms)."""
    return [c for c in iq["private"]["bookmarks"]["conferences"] if str(c["jid"]) != f"staff@conference.{HOST}"]


class PrivateStorage(SmallXeps):
    def test_bookmarks_round_trip_restart_and_refusals(self):
        async def go():
            a = await self.client("anna", plugins=["xep_0048", "xep_0049"])
            # Nothing yet: an empty storage element.
            iq = await a.plugin["xep_0048"].get_bookmarks(method="xep_0049", timeout=10)
            self.assertEqual(len(own_rooms(iq)), 0)
            bookmarks = a.plugin["xep_0048"].stanza.Bookmarks()
            bookmarks.add_conference("room@conference.example.org", "anna", name="Комната", autojoin=True)
            await a.plugin["xep_0048"].set_bookmarks(bookmarks, method="xep_0049", timeout=10)
            await logout(a)
        run(go())
        self.world.stop_server()
        self.world.start_server()

        async def later():
            a = await self.client("anna", "other", plugins=["xep_0048", "xep_0049"])
            iq = await a.plugin["xep_0048"].get_bookmarks(method="xep_0049", timeout=10)
            conferences = own_rooms(iq)
            self.assertEqual(len(conferences), 1)
            self.assertEqual(str(conferences[0]["jid"]), "room@conference.example.org")
            self.assertEqual(conferences[0]["name"], "Комната")
            self.assertTrue(conferences[0]["autojoin"])

            # Another account's storage: forbidden; boris sees none of anna's.
            b = await self.client("boris", plugins=["xep_0048", "xep_0049"])
            iq = b.make_iq_get(ito=f"anna@{HOST}")
            ET.SubElement(ET.SubElement(iq.xml, "{jabber:iq:private}query"), "{storage:bookmarks}storage")
            with self.assertRaises(IqError) as caught:
                await iq.send(timeout=10)
            self.assertEqual(caught.exception.iq["error"]["condition"], "forbidden")
            iq = await b.plugin["xep_0048"].get_bookmarks(method="xep_0049", timeout=10)
            self.assertEqual(len(own_rooms(iq)), 0)

            # A reserved namespace, and no element at all: not-acceptable.
            for child in ("{jabber:client}x", None):
                iq = a.make_iq_set()
                query = ET.SubElement(iq.xml, "{jabber:iq:private}query")
                if child:
                    ET.SubElement(query, child)
                with self.assertRaises(IqError) as caught:
                    await iq.send(timeout=10)
                self.assertEqual(caught.exception.iq["error"]["condition"], "not-acceptable", child)
            await logout(a)
            await logout(b)
        run(later())


class Disco(SmallXeps):
    def test_every_advertised_iq_namespace_is_answered(self):
        """Each feature of the server's disco#info, asked as an IQ get, gets something other
        than service-unavailable, except the features that name a behaviour rather than a
        namespace (XEP-0160 msgoffline), which must then be listed here with their test, and
        the sub-features of an advertised namespace (pubsub#...), answered through it."""
        not_iq = {"msgoffline": "test_offline", "urn:xmpp:bookmarks-conversion:0": "test_bookmarks",
                  "urn:xmpp:bookmarks:1#compat": "test_bookmarks"}

        async def go():
            a = await self.client("anna")
            for target in (HOST, f"anna@{HOST}"):
                info = await a.plugin["xep_0030"].get_info(target, timeout=10)
                features = info["disco_info"]["features"]
                self.assertIn("http://jabber.org/protocol/disco#info", features)
                for var in features:
                    if var in not_iq:
                        continue
                    # A sub-feature of an advertised namespace (XEP-0060's pubsub#create-nodes
                    # and the like) is no namespace of its own: its namespace is asked.
                    if "#" in var and var.split("#", 1)[0] in features:
                        continue
                    iq = a.make_iq_get(ito=target)
                    ET.SubElement(iq.xml, "{%s}query" % var)
                    try:
                        await iq.send(timeout=10)
                    except IqError as e:
                        self.assertNotIn(e.iq["error"]["condition"], ("service-unavailable", "feature-not-implemented"),
                                         f"{target} advertises {var} but does not answer it")
            info = await a.plugin["xep_0030"].get_info(HOST, timeout=10)
            for var in ("msgoffline", "jabber:iq:last", "urn:xmpp:time", "urn:xmpp:ping", "jabber:iq:version"):
                self.assertIn(var, info["disco_info"]["features"])
            info = await a.plugin["xep_0030"].get_info(f"anna@{HOST}", timeout=10)
            self.assertIn("jabber:iq:private", info["disco_info"]["features"])
            await logout(a)
        run(go())


class Alpn(SmallXeps):
    """XEP-0368 with RFC 7301, through OpenSSL (Python's ssl module) on the direct-TLS port."""

    def handshake(self, protocols):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        if protocols is not None:
            context.set_alpn_protocols(protocols)
        with socket.create_connection(("127.0.0.1", self.world.tls_port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=HOST) as tls:
                selected = tls.selected_alpn_protocol()
                tls.sendall(f"<stream:stream to='{HOST}' version='1.0' xmlns='jabber:client' "
                            "xmlns:stream='http://etherx.jabber.org/streams'>".encode())
                answer = b""
                while b"</stream:features>" not in answer:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
                return selected, answer

    def test_xmpp_client_is_selected(self):
        selected, answer = self.handshake(["h2", "xmpp-client"])
        self.assertEqual(selected, "xmpp-client")
        self.assertIn(b"<stream:features>", answer)

    def test_no_alpn_is_served_as_before(self):
        selected, answer = self.handshake(None)
        self.assertIsNone(selected)
        self.assertIn(b"<stream:features>", answer)

    def test_another_protocol_only_is_refused(self):
        with self.assertRaises(ssl.SSLError) as caught:
            self.handshake(["h2", "http/1.1"])
        self.assertIn("NO APPLICATION PROTOCOL", str(caught.exception).upper().replace("_", " "))
