"""End-to-end: calls (issue 21). `cl-setup jabber --turn on` configures Debian's coturn; a
slixmpp client gets STUN/TURN credentials from cl-jabberd (XEP-0215); coturn's own
turnutils_uclient allocates a relay with them against that coturn on loopback, and expired or
forged credentials, a relay to loopback or a private network, and a stranger are refused. Then
two slixmpp clients ring, answer and end a call through the server: XEP-0353 propose, proceed
and retract reaching every device of the callee (carbon-copied, archived, kept offline for a
phone that wakes later) and Jingle (XEP-0166) session-initiate/accept/terminate between full
JIDs.
"""
import asyncio
import base64
import hashlib
import hmac
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, login, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST, free_port  # noqa: E402
from peer_servers import wait_port  # noqa: E402
from raw import HEADER, Raw  # noqa: E402

EXTDISCO = "urn:xmpp:extdisco:2"
JMI = "urn:xmpp:jingle-message:0"
JINGLE = "urn:xmpp:jingle:1"
MAM = "urn:xmpp:mam:2"
TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
UCLIENT = shutil.which("turnutils_uclient") or "/usr/bin/turnutils_uclient"
# A public address the relay may send to (nothing needs to answer: the allocation and the
# permission are what is checked), and addresses it must never reach.
PUBLIC_PEER = "8.8.8.8"


def coturn_credentials(secret, who, expires):
    """coturn's REST form, computed here independently of the server."""
    username = f"{int(expires)}:{who}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return username, password


@unittest.skipUnless(os.path.exists(TURNSERVER) and os.path.exists(UCLIENT), "skipped: coturn is not installed")
class Turn(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        w = cls.world
        cls.anna = w.add_user("anna", "anna-pw")
        cls.turn_port, cls.turns_port = free_port(), free_port()
        # The administrator's command, on the world's settings: the server reads them at start.
        cls.setup_out = w._tool("cl-setup", "--turn", "on", "--turn-host", "127.0.0.1", "--turn-port",
                                str(cls.turn_port), "--turn-tls-port", str(cls.turns_port), "jabber",
                                input="admin-pw\n")
        w.stop_server()
        w.start_server()
        cls.conf = os.path.join(w.dir, "turnserver.conf")
        with open(os.path.join(w.dir, "data", "turn-secret")) as f:
            cls.secret = f.readline().strip()
        cls.turn_log = open(os.path.join(w.dir, "turnserver.log"), "wb")
        # coturn exactly as the unit runs it, with the file cl-setup wrote; only the pid file
        # is the test's own.
        cls.coturn = subprocess.Popen([TURNSERVER, "-c", cls.conf, "--pidfile", os.path.join(w.dir, "turn.pid")],
                                      stdout=cls.turn_log, stderr=subprocess.STDOUT)
        wait_port(cls.turn_port, cls.coturn, "coturn", lambda n: cls.coturn_log()[-n:], timeout=10)

    @classmethod
    def coturn_log(cls):
        with open(os.path.join(cls.world.dir, "turnserver.log"), errors="replace") as f:
            return f.read()

    @classmethod
    def tearDownClass(cls):
        cls.coturn.send_signal(signal.SIGTERM)
        try:
            cls.coturn.wait(10)
        except subprocess.TimeoutExpired:
            cls.coturn.kill()
        cls.turn_log.close()
        super().tearDownClass()

    def uclient(self, username, password, peer=PUBLIC_PEER, *options, port=None):
        """One allocation with a permission to peer and one datagram: what coturn said
        (bounded; what it printed before the bound counts)."""
        port = port or self.turn_port
        # Line-buffered: what it printed before the timeout stopped it is kept.
        r = subprocess.run(["timeout", "25", "stdbuf", "-oL", "-eL", UCLIENT, *options, "-u", username, "-w", password,
                            "-p", str(port), "-e", peer,
                            "-r", "3480", "-n", "1", "-m", "1", "-c", "127.0.0.1"],
                           capture_output=True, text=True, timeout=40)
        return r.stdout + r.stderr

    def assert_relayed(self, out):
        self.assertNotIn("ERROR", out)
        self.assertIn("tot_send_msgs=1", out, "one datagram went out through the relay")

    async def services(self, c, type_=None):
        iq = c.make_iq_get(ito=HOST)
        query = ET.Element(f"{{{EXTDISCO}}}services")
        if type_:
            query.set("type", type_)
        iq.append(query)
        reply = await iq.send(timeout=10)
        return [s.attrib for s in reply.xml.findall(f"{{{EXTDISCO}}}services/{{{EXTDISCO}}}service")]

    def test_a_user_gets_credentials_coturn_accepts(self):
        self.assertIn(f"Calls:         STUN/TURN at 127.0.0.1:{self.turn_port}, TLS {self.turns_port}", self.setup_out)

        async def go():
            c, ok = await login(f"anna@{HOST}/phone", "anna-pw", self.world.port)
            self.assertIs(ok, True)
            info = await c.plugin["xep_0030"].get_info(HOST, timeout=10)
            self.assertIn(EXTDISCO, info["disco_info"]["features"])
            before = time.time()
            services = await self.services(c)
            kinds = [(s["type"], s["transport"], s["port"]) for s in services]
            self.assertEqual(kinds, [("stun", "udp", str(self.turn_port)), ("turn", "udp", str(self.turn_port)),
                                     ("turn", "tcp", str(self.turn_port)), ("turns", "tcp", str(self.turns_port))])
            turn = services[1]
            self.assertEqual(turn["host"], "127.0.0.1")
            self.assertEqual(turn["restricted"], "1")
            expiry, who = turn["username"].split(":", 1)
            self.assertEqual(who, f"anna@{HOST}")
            self.assertAlmostEqual(int(expiry), before + 86400, delta=30)
            self.assertEqual((turn["username"], turn["password"]),
                             coturn_credentials(self.secret, who, int(expiry)), "the shared secret's HMAC")
            await logout(c)
            return turn

        turn = run(go())
        # UDP and TCP allocations with the credentials the server handed out.
        self.assert_relayed(self.uclient(turn["username"], turn["password"]))
        self.assert_relayed(self.uclient(turn["username"], turn["password"], PUBLIC_PEER, "-t"))
        # "turns": coturn's TLS port answers with the server's own certificate. (An allocation
        # over it is not checked here: turnutils_uclient's TLS run completed one alone but not
        # reliably beside other tests.)
        with socket.create_connection(("127.0.0.1", self.turns_port), timeout=10) as plain:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(plain, server_hostname="localhost") as tls:
                served = tls.getpeercert(binary_form=True)
        with open(self.world.certfile) as f:
            pem = f.read()
        own = ssl.PEM_cert_to_DER_cert(pem[pem.index("-----BEGIN CERTIFICATE-----"):])
        self.assertEqual(served, own)

    def test_expired_and_forged_credentials_are_refused(self):
        username, password = coturn_credentials(self.secret, f"anna@{HOST}", time.time() + 3600)
        self.assert_relayed(self.uclient(username, password))
        # Forged: another secret; a password for another user name; an expired one.
        forged = coturn_credentials("not-the-secret", f"anna@{HOST}", time.time() + 3600)
        self.assertIn("Cannot complete Allocation", self.uclient(*forged))
        self.assertIn("Cannot complete Allocation", self.uclient(username.replace("anna", "root"), password))
        expired = coturn_credentials(self.secret, f"anna@{HOST}", time.time() - 60)
        self.assertIn("Cannot complete Allocation", self.uclient(*expired))

    def test_no_relay_to_loopback_or_a_private_network(self):
        username, password = coturn_credentials(self.secret, f"anna@{HOST}", time.time() + 3600)
        for peer in ("127.0.0.1", "192.168.1.1", "10.1.2.3", "169.254.1.1"):
            with self.subTest(peer=peer):
                out = self.uclient(username, password, peer)
                self.assertIn("403 (Forbidden IP)", out)
                self.assertNotIn("tot_send_msgs=1", out)

    def test_a_stranger_gets_nothing(self):
        # Before authentication the stream ends; no <service/> ever comes back.
        r = Raw(self.world.tls_port, direct_tls=True)
        r.send(HEADER)
        r.read_until("</stream:features>")
        r.send(f"<iq type='get' id='x' to='{HOST}'><services xmlns='{EXTDISCO}'/></iq>")
        out = r.read_until(("not-authorized", "</stream:stream>"))
        out = out.decode() if isinstance(out, bytes) else out
        self.assertIn("not-authorized", out)
        self.assertNotIn("password", out)


class Ringing(ConfiguredWorldTest):
    """XEP-0353 and Jingle through the server: no TURN needed for the signalling."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.world.add_user("anna", "anna-pw")
        cls.boris = cls.world.add_user("boris", "boris-pw")

    async def client(self, name, resource, carbons=False):
        c, ok = await login(f"{name}@{HOST}/{resource}", name + "-pw", self.world.port)
        self.assertIs(ok, True)
        c.register_plugin("xep_0280")
        c.register_plugin("xep_0059")
        c.register_plugin("xep_0313")
        c.carbons = asyncio.Queue()
        c.add_event_handler("carbon_sent", lambda m: c.carbons.put_nowait(("sent", m)))
        c.add_event_handler("carbon_received", lambda m: c.carbons.put_nowait(("received", m)))
        c.iqs = asyncio.Queue()
        c.register_handler(slixmpp_jingle_handler(c))
        # slixmpp raises its 'message' event only for a message with a body: a call's signal has none.
        c.register_handler(call_signal_handler(c))
        if carbons:
            await c.plugin["xep_0280"].enable(timeout=10)
        c.send_presence()
        return c

    def signal(self, sender, to, kind, call_id, store=True):
        m = sender.make_message(mto=to, mtype="chat")
        e = ET.SubElement(m.xml, f"{{{JMI}}}{kind}", id=call_id)
        if kind == "propose":
            ET.SubElement(e, "{urn:xmpp:jingle:apps:rtp:1}description", media="audio")
        if store:
            ET.SubElement(m.xml, "{urn:xmpp:hints}store")
        m.send()

    @staticmethod
    def jmi(message, kind, call_id):
        e = message.xml.find(f"{{{JMI}}}{kind}")
        return e is not None and e.get("id") == call_id

    async def jingle(self, sender, to, action, sid):
        iq = sender.make_iq_set(ito=to)
        j = ET.SubElement(iq.xml, f"{{{JINGLE}}}jingle", action=action, sid=sid)
        if action == "session-initiate":
            j.set("initiator", str(sender.boundjid))
            content = ET.SubElement(j, f"{{{JINGLE}}}content", creator="initiator", name="voice")
            ET.SubElement(content, "{urn:xmpp:jingle:apps:rtp:1}description", media="audio")
        return await iq.send(timeout=10)

    def test_a_call_rings_every_device_is_answered_on_one_and_ends(self):
        async def go():
            phone = await self.client("anna", "phone", carbons=True)
            desk = await self.client("anna", "desk", carbons=True)
            boris = await self.client("boris", "laptop")
            await asyncio.sleep(0)
            # Boris rings Anna's bare JID: both devices ring, the sender stamped by the server.
            self.signal(boris, self.anna, "propose", "call-1")
            for device in (phone, desk):
                m = await next_item(device.received, lambda m: self.jmi(m, "propose", "call-1"))
                self.assertEqual(str(m["from"]), f"boris@{HOST}/laptop")
            # Anna answers on her desk: Boris hears "proceed", the phone learns of it (a sent carbon).
            self.signal(desk, f"boris@{HOST}/laptop", "proceed", "call-1", store=False)
            m = await next_item(boris.received, lambda m: self.jmi(m, "proceed", "call-1"))
            self.assertEqual(str(m["from"]), f"anna@{HOST}/desk")
            kind, carbon = await next_item(phone.carbons, lambda c: self.jmi(c[1]["carbon_sent"], "proceed", "call-1"))
            self.assertEqual(kind, "sent")
            # Jingle between full JIDs: initiate, accept, terminate, each answered by the peer.
            for sender, to, action in ((boris, f"anna@{HOST}/desk", "session-initiate"),
                                       (desk, f"boris@{HOST}/laptop", "session-accept"),
                                       (boris, f"anna@{HOST}/desk", "session-terminate")):
                reply = await self.jingle(sender, to, action, "call-1")
                self.assertEqual(reply["type"], "result")
                self.assertEqual(str(reply["from"]), to)
            receiver_log = [(str(iq["from"]), iq.xml.find(f"{{{JINGLE}}}jingle").get("action"))
                            for iq in drain(desk.iqs)]
            self.assertEqual(receiver_log, [(f"boris@{HOST}/laptop", "session-initiate"),
                                            (f"boris@{HOST}/laptop", "session-terminate")])
            self.assertEqual([iq.xml.find(f"{{{JINGLE}}}jingle").get("action") for iq in drain(boris.iqs)],
                             ["session-accept"])
            self.assertEqual(await arrived_before_round_trip(phone, phone.iqs), [], "IQs go to one full JID only")

            # A second call, retracted before anyone answers: both devices stop ringing.
            self.signal(boris, self.anna, "propose", "call-2")
            self.signal(boris, self.anna, "retract", "call-2")
            for device in (phone, desk):
                await next_item(device.received, lambda m: self.jmi(m, "retract", "call-2"))

            # The archive holds the signals (not the Jingle IQs): every device's call log.
            results = [m async for m in phone.plugin["xep_0313"].iterate(reverse=False, rsm={"max": 50})]
            seen = []
            for r in results:
                inner = r.xml.find(f"{{{MAM}}}result/{{urn:xmpp:forward:0}}forwarded/{{jabber:client}}message")
                for kind in ("propose", "proceed", "retract"):
                    e = inner.find(f"{{{JMI}}}{kind}")
                    if e is not None:
                        seen.append((kind, e.get("id")))
            self.assertEqual(seen, [("propose", "call-1"), ("proceed", "call-1"), ("propose", "call-2"),
                                    ("retract", "call-2")])
            for c in (phone, desk, boris):
                await logout(c)

        run(go())

    def test_a_phone_that_wakes_later_sees_the_missed_call(self):
        async def go():
            boris = await self.client("boris", "laptop")
            self.signal(boris, self.anna, "propose", "call-3")
            self.signal(boris, self.anna, "retract", "call-3")
            await arrived_before_round_trip(boris, boris.received)
            phone = await self.client("anna", "phone")
            for kind in ("propose", "retract"):
                m = await next_item(phone.received, lambda m: self.jmi(m, kind, "call-3"))
                self.assertEqual(str(m["from"]), f"boris@{HOST}/laptop")
                self.assertIsNotNone(m.xml.find("{urn:xmpp:delay}delay"), "delivered from offline storage")
            await logout(phone)
            await logout(boris)

        run(go())


def drain(queue):
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def call_signal_handler(client):
    """Queues every XEP-0353 message on client.received, as the 'message' event does for bodies."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher.base import MatcherBase

    class CallSignal(MatcherBase):
        def match(self, stanza):
            xml = getattr(stanza, "xml", stanza)
            return xml.tag == "{jabber:client}message" and any(c.tag.startswith(f"{{{JMI}}}") for c in xml)

    return Callback("call signal", CallSignal(None), lambda m: client.received.put_nowait(m))


def slixmpp_jingle_handler(client):
    """Answers Jingle IQs as a client would (result), queueing each for the test."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def answer(iq):
        client.iqs.put_nowait(iq)
        iq.reply().send()

    return Callback("jingle", MatchXPath(f"{{jabber:client}}iq/{{{JINGLE}}}jingle"), answer)


if __name__ == "__main__":
    unittest.main()
