"""End-to-end XEP-0191 blocking and XEP-0352 client state indication, with slixmpp's own
plugins (xep_0191, xep_0352) against cl-jabberd and a private slapd. Every "did not
arrive" is checked against a positive marker that came after it.
"""
import asyncio
import os
import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, Client, arrived_before_round_trip, logout, next_item, round_trip  # noqa: E402
from client import run  # noqa: E402
from harness import HOST, World, WorldCase  # noqa: E402

OTHER = "other.test"  # a second served host: the same accounts, another domain to block
BLOCKING_ERRORS = "{urn:xmpp:blocking:errors}blocked"


class TwoHostWorld(World):
    def _write_jabber_section(self, max_stanza_size):
        super()._write_jabber_section(max_stanza_size)
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace(f"hosts = ['{HOST}']", f"hosts = ['{HOST}', '{OTHER}']"))


class PluginClient(Client):
    """A Client with the blocking and CSI plugins; every stanza it gets, in order, in `log`."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin("xep_0191")
        self.register_plugin("xep_0352")
        self.pushes = asyncio.Queue()
        self.log = []
        self.add_event_handler("blocked", lambda iq: self.pushes.put_nowait(("block", items_of(iq, "block"))))
        self.add_event_handler("unblocked", lambda iq: self.pushes.put_nowait(("unblock", items_of(iq, "unblock"))))
        self.add_event_handler("message", lambda m: self.log.append(("message", str(m["from"]), m["body"])))
        self.add_event_handler("presence", lambda p: self.log.append(("presence", str(p["from"]), p["show"])))


def items_of(iq, name):
    return sorted(str(j) for j in iq[name]["items"])


async def connect(jid, password, port):
    c = PluginClient(jid, password)
    c.connect(("127.0.0.1", port), force_starttls=True)
    ok = await asyncio.wait_for(c.outcome, TIMEOUT)
    if ok is not True:
        raise AssertionError(f"login of {jid} failed: {ok}")
    return c


def chat(sender, to, body):
    sender.send_message(mto=to, mbody=body, mtype="chat")


def is_body(body):
    return lambda m: m["type"] != "error" and m["body"] == body


class BlockingWorld(WorldCase):
    @classmethod
    def setUpClass(cls):
        cls.world = TwoHostWorld()
        for name in ("alice", "spam", "carol"):
            cls.world.add_user(name, name + "-pw")

    def login(self, name, resource="r", host=HOST):
        return connect(f"{name}@{host}/{resource}", name + "-pw", self.world.port)


class Blocking(BlockingWorld):
    def test_block_a_user_then_a_domain_and_unblock(self):
        alice_jid, spam_jid = f"alice@{HOST}", f"spam@{HOST}"

        async def go():
            a1 = await self.login("alice", "one")
            a2 = await self.login("alice", "two")
            spam = await self.login("spam")
            carol = await self.login("carol")
            carol_other = await self.login("carol", "far", OTHER)
            for c in (a1, a2):  # available: messages to alice's bare JID reach both
                c.send_presence()
                await round_trip(c)
            info = await a1.plugin["xep_0030"].get_info(jid=HOST, timeout=TIMEOUT)
            self.assertIn("urn:xmpp:blocking", info["disco_info"]["features"])

            # The second resource asks for the list, so it hears of changes.
            result = await a2.plugin["xep_0191"].get_blocked(timeout=TIMEOUT)
            self.assertEqual(set(result["blocklist"]["items"]), set())
            await a1.plugin["xep_0191"].block(spam_jid, timeout=TIMEOUT)
            self.assertEqual(await next_item(a2.pushes), ("block", [spam_jid]))

            # A blocked user's message bounces and does not arrive; a later one from someone
            # else does (the marker that nothing else was on its way).
            chat(spam, alice_jid, "buy now")
            error = await next_item(spam.received, lambda m: m["type"] == "error")
            self.assertEqual(error["error"]["condition"], "service-unavailable")
            chat(carol, alice_jid, "marker 1")
            await next_item(a1.received, is_body("marker 1"))
            self.assertNotIn("buy now", [e[2] for e in a1.log])

            # Alice cannot write to whom she blocked: not-acceptable with <blocked/>.
            chat(a1, spam_jid, "are you there?")
            error = await next_item(a1.received, lambda m: m["type"] == "error")
            self.assertEqual(error["error"]["condition"], "not-acceptable")
            self.assertIsNotNone(error.xml.find("{jabber:client}error/" + BLOCKING_ERRORS))
            await round_trip(spam)
            self.assertNotIn("are you there?", [e[2] for e in spam.log])

            # A whole domain: carol on the other host bounces, carol here still arrives.
            await a1.plugin["xep_0191"].block(OTHER, timeout=TIMEOUT)
            self.assertEqual(await next_item(a2.pushes), ("block", [OTHER]))
            chat(carol_other, alice_jid, "from afar")
            error = await next_item(carol_other.received, lambda m: m["type"] == "error")
            self.assertEqual(error["error"]["condition"], "service-unavailable")
            chat(carol, alice_jid, "marker 2")
            await next_item(a1.received, is_body("marker 2"))
            self.assertNotIn("from afar", [e[2] for e in a1.log])
            result = await a2.plugin["xep_0191"].get_blocked(timeout=TIMEOUT)
            self.assertEqual(set(map(str, result["blocklist"]["items"])), {spam_jid, OTHER})

            # Unblocked: the user's messages arrive again; an empty unblock clears the rest.
            await a1.plugin["xep_0191"].unblock(spam_jid, timeout=TIMEOUT)
            self.assertEqual(await next_item(a2.pushes), ("unblock", [spam_jid]))
            chat(spam, alice_jid, "hello again")
            await next_item(a1.received, is_body("hello again"))
            await a1.plugin["xep_0191"].unblock([], timeout=TIMEOUT)
            self.assertEqual(await next_item(a2.pushes), ("unblock", []))
            chat(carol_other, alice_jid, "near again")
            await next_item(a1.received, is_body("near again"))
            result = await a1.plugin["xep_0191"].get_blocked(timeout=TIMEOUT)
            self.assertEqual(set(result["blocklist"]["items"]), set())
            for c in (a1, a2, spam, carol, carol_other):
                await logout(c)
        run(go())

    def test_blocked_senders_are_not_stored_offline_and_bad_items_are_refused(self):
        async def go():
            a = await self.login("alice", "off")
            # slixmpp refuses a bad JID itself: the request is written by hand.
            iq = a.make_iq_set()
            block = ET.SubElement(iq.xml, "{urn:xmpp:blocking}block")
            ET.SubElement(block, "{urn:xmpp:blocking}item", {"jid": "not a jid@" + HOST})
            with self.assertRaises(IqError) as refused:
                await iq.send(timeout=TIMEOUT)
            self.assertEqual(refused.exception.iq["error"]["condition"], "jid-malformed")
            self.assertIn("not a jid", refused.exception.iq["error"]["text"])
            await a.plugin["xep_0191"].block(f"spam@{HOST}", timeout=TIMEOUT)
            await logout(a)
            spam = await self.login("spam", "off")
            carol = await self.login("carol", "off")
            chat(spam, f"alice@{HOST}", "stored spam")
            error = await next_item(spam.received, lambda m: m["type"] == "error")
            self.assertEqual(error["error"]["condition"], "service-unavailable")
            chat(carol, f"alice@{HOST}", "stored marker")
            await round_trip(carol)
            a = await self.login("alice", "off")
            a.send_presence()
            await next_item(a.received, is_body("stored marker"))
            await round_trip(a)
            self.assertNotIn("stored spam", [e[2] for e in a.log])
            await a.plugin["xep_0191"].unblock([], timeout=TIMEOUT)
            for c in (a, spam, carol):
                await logout(c)
        run(go())


class BlockingPresence(BlockingWorld):
    def test_block_withdraws_presence_both_ways_and_unblock_restores_it(self):
        self.world._tool("cl-groupadd", "Desk", "jabber")
        for name in ("gina", "hugo"):
            self.world._tool("cl-useradd", "-P", "--allow-short-password", "-g", "Desk", name, "jabber",
                             input=name + "-pw\n")
        gina_jid, hugo_jid = f"gina@{HOST}/r", f"hugo@{HOST}/r"

        def presence_from(jid, ptype):
            return lambda p: str(p["from"]) == jid and p["type"] == ptype

        async def go():
            gina = await self.login("gina")
            hugo = await self.login("hugo")
            gina.send_presence()
            hugo.send_presence()
            await next_item(gina.presences, presence_from(hugo_jid, "available"))
            await next_item(hugo.presences, presence_from(gina_jid, "available"))
            await gina.plugin["xep_0191"].block(f"hugo@{HOST}", timeout=TIMEOUT)
            # Each sees the other leave; what either says afterwards reaches nobody.
            await next_item(hugo.presences, presence_from(gina_jid, "unavailable"))
            await next_item(gina.presences, presence_from(hugo_jid, "unavailable"))
            hugo.send_presence(pshow="away")
            gina.send_presence(pshow="dnd")
            await round_trip(hugo)
            await round_trip(gina)
            self.assertEqual([p for p in await arrived_before_round_trip(gina, gina.presences)
                              if str(p["from"]) == hugo_jid], [])
            self.assertEqual([p for p in await arrived_before_round_trip(hugo, hugo.presences)
                              if str(p["from"]) == gina_jid], [])
            # Unblocked: both get the other's current presence.
            await gina.plugin["xep_0191"].unblock(f"hugo@{HOST}", timeout=TIMEOUT)
            p = await next_item(hugo.presences, presence_from(gina_jid, "dnd"))
            self.assertEqual(p["show"], "dnd")
            p = await next_item(gina.presences, presence_from(hugo_jid, "away"))
            self.assertEqual(p["show"], "away")
            for c in (gina, hugo):
                await logout(c)
        run(go())


class ClientState(BlockingWorld):
    def test_inactive_client_gets_messages_at_once_and_presence_squashed_after_active(self):
        self.world._tool("cl-groupadd", "Team", "jabber")
        for name in ("dora", "eric"):
            self.world._tool("cl-useradd", "-P", "--allow-short-password", "-g", "Team", name, "jabber",
                             input=name + "-pw\n")
        dora_jid = f"dora@{HOST}/r"

        async def go():
            eric = await self.login("eric")
            self.assertTrue(eric.plugin["xep_0352"].enabled, "the server offers <csi/>")
            eric.send_presence()
            dora = await self.login("dora")
            carol = await self.login("carol")
            dora.send_presence()
            await next_item(eric.presences, lambda p: str(p["from"]) == dora_jid)

            eric.plugin["xep_0352"].send_inactive()
            await round_trip(eric)
            eric.log.clear()
            dora.send_presence(pshow="away")
            dora.send_presence(pshow="dnd")
            await round_trip(dora)
            # Someone else's message goes at once, and does not bring dora's presence along.
            chat(carol, f"eric@{HOST}", "urgent")
            await next_item(eric.received, is_body("urgent"))
            await round_trip(eric)
            self.assertEqual(eric.log, [("message", f"carol@{HOST}/r", "urgent")])

            # Active: dora's presence arrives, squashed to the latest.
            eric.plugin["xep_0352"].send_active()
            await next_item(eric.presences, lambda p: str(p["from"]) == dora_jid and p["show"] == "dnd")
            await round_trip(eric)
            self.assertEqual([e for e in eric.log if e[0] == "presence"], [("presence", dora_jid, "dnd")])

            # Inactive again: dora's own message brings her held presence first, in order.
            eric.plugin["xep_0352"].send_inactive()
            await round_trip(eric)
            eric.log.clear()
            dora.send_presence(pshow="xa")
            chat(dora, f"eric@{HOST}", "from dora")
            await next_item(eric.received, is_body("from dora"))
            self.assertEqual(eric.log, [("presence", dora_jid, "xa"), ("message", dora_jid, "from dora")])
            for c in (eric, dora, carol):
                await logout(c)
        run(go())
