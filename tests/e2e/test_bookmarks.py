"""End-to-end bookmarks conversion (XEP-0411 towards XEP-0402), through slixmpp's own plugins:
a legacy client stores XEP-0048 bookmarks in private storage (xep_0048 over xep_0049) and a
second client of the same account reads them as items of the PEP node urn:xmpp:bookmarks:1
(xep_0060: this slixmpp has no xep_0402) and hears of them; a XEP-0402 publish or retraction
reaches the private copy, whose <url/> stays; a group-mate hears and reads nothing; the
account's disco#info says so.
"""
import asyncio
import os
import sys
import time
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004 import Form

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, Client, logout, next_item, round_trip  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402

NODE = "urn:xmpp:bookmarks:1"


class BookmarkClient(Client):
    """Legacy bookmarks (xep_0048 in private storage) and PEP; keeps the PEP events it gets."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ("xep_0004", "xep_0060", "xep_0115", "xep_0163", "xep_0049", "xep_0048"):
            self.register_plugin(plugin)
        self.events = asyncio.Queue()
        self.add_event_handler("pubsub_publish", lambda m: self.events.put_nowait(("+", m)))
        self.add_event_handler("pubsub_retract", lambda m: self.events.put_nowait(("-", m)))


def xep_0402_options():
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    for var, value in (("persist_items", "true"), ("max_items", "max"), ("send_last_published_item", "never"),
                       ("access_model", "whitelist")):
        form.add_field(var="pubsub#" + var, value=value)
    return form


def event(entry):
    """('+' or '-', node, item id) of a queued PEP event."""
    kind, m = entry
    items = m["pubsub_event"]["items"]
    ids = [i["id"] for i in items] if kind == "+" else [r["id"] for r in items]
    return kind, items["node"], ids[0] if ids else None


class Bookmarks(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        w = cls.world
        w._tool("cl-groupadd", "Team", "jabber")
        for name in ("alice", "bob"):
            w._tool("cl-useradd", "-P", "--allow-short-password", "-g", "Team", name, "jabber", input=name + "-pw\n")

    async def online(self, name, resource, notify=False):
        c = BookmarkClient(f"{name}@{HOST}/{resource}", name + "-pw")
        c.connect(("127.0.0.1", self.world.port), force_starttls=True)
        self.assertIs(await asyncio.wait_for(c.outcome, TIMEOUT), True)
        if notify:
            c["xep_0163"].add_interest(NODE)
        await c["xep_0115"].update_caps(broadcast=False)
        c.send_presence()
        return c

    async def private_copy(self, c):
        iq = await c["xep_0048"].get_bookmarks(method="xep_0049", timeout=TIMEOUT)
        b = iq["private"]["bookmarks"]
        return ({str(conf["jid"]): conf for conf in b["conferences"]}, [u["url"] for u in b["urls"]])

    async def pep_items(self, c):
        got = await c["xep_0060"].get_items(f"{c.boundjid.bare}", NODE, timeout=TIMEOUT)
        return {i["id"]: i.xml.find(f"{{{NODE}}}conference") for i in got["pubsub"]["items"]}

    def test_legacy_bookmarks_reach_pep_and_pep_bookmarks_reach_the_legacy_client(self):
        async def go():
            legacy = await self.online("alice", "mcabber")
            phone = await self.online("alice", "phone", notify=True)
            bob = await self.online("bob", "b", notify=True)
            await asyncio.sleep(0.5)  # the server has asked their caps

            # XEP-0048 in private storage -> the PEP node, heard by the owner's other client.
            bookmarks = legacy["xep_0048"].stanza.Bookmarks()
            bookmarks.add_conference("room@conference.example.org", "alice", name="Комната", autojoin=True)
            bookmarks.add_url("https://example.org/", name="site")
            await legacy["xep_0048"].set_bookmarks(bookmarks, method="xep_0049", timeout=TIMEOUT)
            self.assertEqual(event(await next_item(phone.events, lambda e: event(e)[1] == NODE)),
                             ("+", NODE, "room@conference.example.org"))
            items = await self.pep_items(phone)
            self.assertEqual(list(items), ["room@conference.example.org"])
            self.assertEqual(items["room@conference.example.org"].get("name"), "Комната")
            self.assertEqual(items["room@conference.example.org"].get("autojoin"), "true")
            self.assertEqual(items["room@conference.example.org"].find(f"{{{NODE}}}nick").text, "alice")

            # XEP-0402 publish -> the private copy, the url kept.
            conference = ET.Element(f"{{{NODE}}}conference", {"name": "Second", "autojoin": "false"})
            ET.SubElement(conference, f"{{{NODE}}}nick").text = "al"
            await phone["xep_0060"].publish(f"alice@{HOST}", NODE, id="second@conference.example.org",
                                            payload=conference, options=xep_0402_options(), timeout=TIMEOUT)
            conferences, urls = await self.private_copy(legacy)
            self.assertEqual(sorted(conferences), ["room@conference.example.org", "second@conference.example.org"])
            self.assertEqual(conferences["second@conference.example.org"]["nick"], "al")
            self.assertEqual(conferences["second@conference.example.org"]["name"], "Second")
            self.assertFalse(conferences["second@conference.example.org"]["autojoin"])
            self.assertEqual(urls, ["https://example.org/"])

            # A XEP-0402 retraction -> gone from the private copy too.
            await phone["xep_0060"].retract(f"alice@{HOST}", NODE, "room@conference.example.org", notify=True,
                                            timeout=TIMEOUT)
            conferences, urls = await self.private_copy(legacy)
            self.assertEqual(sorted(conferences), ["second@conference.example.org"])
            self.assertEqual(urls, ["https://example.org/"])

            # The legacy client removes the last room: retracted, and the phone hears it.
            while not phone.events.empty():
                phone.events.get_nowait()
            empty = legacy["xep_0048"].stanza.Bookmarks()
            empty.add_url("https://example.org/", name="site")
            await legacy["xep_0048"].set_bookmarks(empty, method="xep_0049", timeout=TIMEOUT)
            self.assertEqual(event(await next_item(phone.events, lambda e: event(e)[1] == NODE)),
                             ("-", NODE, "second@conference.example.org"))
            self.assertEqual(await self.pep_items(phone), {})

            # The group-mate heard nothing and may not read the node.
            await round_trip(bob)
            self.assertFalse([e for e in list(bob.events._queue)
                              if event(e)[1] == NODE and str(e[1]["from"]) == f"alice@{HOST}"])
            with self.assertRaises(IqError) as caught:
                await bob["xep_0060"].get_items(f"alice@{HOST}", NODE, timeout=TIMEOUT)
            self.assertEqual(caught.exception.iq["error"]["condition"], "not-allowed")
            for c in (legacy, phone, bob):
                await logout(c)
        run(go())

    def test_malformed_legacy_bookmarks_are_stored_and_publish_no_garbage(self):
        async def go():
            legacy = await self.online("bob", "old")
            iq = legacy.make_iq_set()
            storage = ET.SubElement(ET.SubElement(iq.xml, "{jabber:iq:private}query"), "{storage:bookmarks}storage")
            for attrs in ({}, {"jid": ""}, {"jid": "a@b@c"}, {"jid": "r@conference.example.org/nick"},
                          {"jid": "ok@conference.example.org"}):
                ET.SubElement(storage, "{storage:bookmarks}conference", attrs)
            await iq.send(timeout=TIMEOUT)
            get = legacy.make_iq_get()
            ET.SubElement(ET.SubElement(get.xml, "{jabber:iq:private}query"), "{storage:bookmarks}storage")
            got = await get.send(timeout=TIMEOUT)
            kept = got.xml.find("{jabber:iq:private}query/{storage:bookmarks}storage")
            self.assertEqual([c.get("jid") for c in kept], [None, "", "a@b@c", "r@conference.example.org/nick",
                                                            "ok@conference.example.org"], "stored as sent")
            self.assertEqual(list(await self.pep_items(legacy)), ["ok@conference.example.org"])
            await logout(legacy)
        run(go())

    def test_disco_of_the_account_says_conversion(self):
        async def go():
            alice = await self.online("alice", "disco")
            info = await alice["xep_0030"].get_info(jid=f"alice@{HOST}", local=False, timeout=TIMEOUT)
            features = info["disco_info"]["features"]
            for f in ("urn:xmpp:bookmarks-conversion:0", "urn:xmpp:bookmarks:1#compat",
                      "http://jabber.org/protocol/pubsub#publish-options"):
                self.assertIn(f, features)
            await logout(alice)
        run(go())
