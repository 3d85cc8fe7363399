"""End-to-end: XEP-0313 message archive, through slixmpp's xep_0313 and xep_0059 plugins.
Messages to an offline and an online account are archived on both sides and reach the
recipient with the archive's XEP-0359 stanza-id (the carbons to a second device too); that
device pages through the archive with RSM and finds them all, in order, under the same ids; the 'with' and 'start' filters;
the 'never' preference; another account's archive is refused; hostile queries get errors.
"""
import asyncio
import datetime
import os
import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, login, next_item, round_trip  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402

MAM = "urn:xmpp:mam:2"
SID = "{urn:xmpp:sid:0}stanza-id"


def stanza_id(message):
    """The id of the stanza-id our server put on a message for its recipient (by = their JID)."""
    ids = [e.get("id") for e in message.xml.findall(SID) if e.get("by") == str(message["to"].bare)]
    return ids[0] if len(ids) == 1 else None


def archived(result_message):
    """(archive id, body, from) of one MAM result."""
    r = result_message.xml.find(f"{{{MAM}}}result")
    inner = r.find("{urn:xmpp:forward:0}forwarded/{jabber:client}message")
    return r.get("id"), inner.find("{jabber:client}body").text, inner.get("from")


class Mam(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob-pw")
        cls.carol = cls.world.add_user("carol", "carol-pw")
        cls.dave = cls.world.add_user("dave", "dave-pw")
        cls.erin = cls.world.add_user("erin", "erin-pw")

    async def client(self, jid, password):
        c, ok = await login(jid, password, self.world.port)
        self.assertIs(ok, True)
        c.register_plugin("xep_0059")
        c.register_plugin("xep_0313")
        return c

    async def page(self, c, **rsm):
        """One page of the own archive: (results as (id, body, from), fin element)."""
        iq = await c.plugin["xep_0313"].retrieve(rsm=rsm, timeout=10)
        return [archived(m) for m in iq["mam"]["results"]], iq.xml.find(f"{{{MAM}}}fin")

    async def last(self, c, n):
        """The last n messages of the own archive, oldest first: slixmpp pages backwards from an
        empty <before/> (its retrieve() would send before='True')."""
        newest_first = [archived(m) async for m in c.plugin["xep_0313"].iterate(reverse=True, rsm={"max": n}, total=n)]
        return newest_first[::-1]

    async def query_error(self, c, query_xml):
        iq = c.make_iq_set()
        iq.append(ET.fromstring(query_xml))
        with self.assertRaises(IqError) as caught:
            await iq.send(timeout=10)
        return caught.exception.iq["error"]["condition"]

    def test_sent_carbon_carries_the_senders_archive_id(self):
        """XEP-0313 §5.1.2 with XEP-0280: the copy of a sent message on the sender's other device
        carries the id the sender's archive gave it, so that device can align it with MAM."""
        async def go():
            phone = await self.client(self.dave + "/phone", "dave-pw")
            desk = await self.client(self.dave + "/desk", "dave-pw")
            desk.register_plugin("xep_0280")
            sent = asyncio.Queue()
            desk.add_event_handler("carbon_sent", sent.put_nowait)
            await desk.plugin["xep_0280"].enable(timeout=10)
            erin = await self.client(self.erin + "/e", "erin-pw")
            erin.send_presence()
            await round_trip(erin)

            phone.send_message(mto=self.erin, mbody="aligned", mtype="chat")
            delivered = await next_item(erin.received, lambda m: m["body"] == "aligned")
            carbon = (await next_item(sent))["carbon_sent"]
            self.assertEqual(carbon["body"], "aligned")
            ids = [(e.get("by"), e.get("id")) for e in carbon.xml.findall(SID)]
            self.assertEqual([by for by, _ in ids], [self.dave], "one stanza-id, by the sender")
            self.assertEqual(await self.last(desk, 1), [(ids[0][1], "aligned", self.dave + "/phone")])
            # The recipient's copy carries the recipient's id alone, the one her archive has.
            self.assertEqual([e.get("by") for e in delivered.xml.findall(SID)], [self.erin])
            self.assertEqual((await self.last(erin, 1))[0][0], stanza_id(delivered))
            self.assertNotEqual(stanza_id(delivered), ids[0][1])
        run(go(), timeout=60)

    def test_archive_paging_filters_preferences_and_refusals(self):
        async def go():
            a = await self.client(self.alice + "/a", "alice-pw")
            # 30 while bob is offline: stored offline, archived on both sides.
            for i in range(30):
                a.send_message(mto=self.bob, mbody=f"offline {i}", mtype="chat")
            self.assertEqual(await arrived_before_round_trip(a, a.received), [], "all stored, no error")

            phone = await self.client(self.bob + "/phone", "bob-pw")
            phone.send_presence()
            got = [await next_item(phone.received, lambda m: m["body"]) for _ in range(30)]
            self.assertEqual([m["body"] for m in got], [f"offline {i}" for i in range(30)])
            # bob's second device, with carbons (XEP-0280): what the phone gets, it sees too.
            desk = await self.client(self.bob + "/desk", "bob-pw")
            desk.register_plugin("xep_0280")
            carbons = []
            desk.add_event_handler("carbon_received", carbons.append)
            await desk.plugin["xep_0280"].enable(timeout=10)
            # 5 while bob is online.
            for i in range(5):
                a.send_message(mto=self.bob, mbody=f"online {i}", mtype="chat")
            got += [await next_item(phone.received, lambda m: m["body"]) for _ in range(5)]
            delivered_ids = [stanza_id(m) for m in got]
            self.assertNotIn(None, delivered_ids, "every message carries bob's archive id")
            self.assertEqual(len(set(delivered_ids)), 35, "unique ids")

            # The carbons carry the same archive ids as the phone's copies.
            await round_trip(desk)
            forwarded = [c["carbon_received"] for c in carbons]
            self.assertEqual([m["body"] for m in forwarded], [f"online {i}" for i in range(5)])
            self.assertEqual([stanza_id(m) for m in forwarded], delivered_ids[30:])

            # Three pages of 10 with RSM, then the rest.
            info = await desk.plugin["xep_0030"].get_info(self.bob, timeout=10)
            self.assertIn(MAM, info["disco_info"]["features"])
            self.assertIn(MAM + "#extended", info["disco_info"]["features"])
            seen, after = [], None
            for number in range(3):
                rsm = {"max": 10} if after is None else {"max": 10, "after": after}
                results, fin = await self.page(desk, **rsm)
                self.assertEqual(len(results), 10, f"page {number + 1}")
                self.assertEqual(fin.get("complete"), "false")
                after = fin.find("{http://jabber.org/protocol/rsm}set/{http://jabber.org/protocol/rsm}last").text
                self.assertEqual(after, results[-1][0])
                seen += results
            results, fin = await self.page(desk, max=10, after=after)
            self.assertEqual(fin.get("complete"), "true", "the last page")
            seen += results
            self.assertEqual([body for _, body, _ in seen],
                             [f"offline {i}" for i in range(30)] + [f"online {i}" for i in range(5)])
            self.assertEqual([i for i, _, _ in seen], delivered_ids, "the archive's ids are the ones delivered")
            self.assertEqual({frm for _, _, frm in seen}, {self.alice + "/a"})

            # slixmpp's own iteration (XEP-0059 through the plugin) finds the same.
            bodies = [m["mam_result"]["forwarded"]["stanza"]["body"]
                      async for m in desk.plugin["xep_0313"].iterate(rsm={"max": 10})]
            self.assertEqual(len(bodies), 35)
            # The last page (an empty <before/>), oldest first.
            self.assertEqual([b for _, b, _ in await self.last(desk, 3)], ["online 2", "online 3", "online 4"])

            # alice archived what she sent.
            results, _ = await self.page(a, max=100)
            self.assertEqual(len(results), 35)

            # 'with' and 'start'.
            start = datetime.datetime.now(datetime.timezone.utc)
            cl = await self.client(self.carol + "/c", "carol-pw")
            for i in range(2):
                cl.send_message(mto=self.bob, mbody=f"from carol {i}", mtype="chat")
            for _ in range(2):
                await next_item(phone.received, lambda m: m["body"] and "carol" in m["body"])
            iq = await desk.plugin["xep_0313"].retrieve(with_jid=self.carol, timeout=10)
            self.assertEqual([archived(m)[1] for m in iq["mam"]["results"]], ["from carol 0", "from carol 1"])
            iq = await desk.plugin["xep_0313"].retrieve(start=start, timeout=10)
            self.assertEqual([archived(m)[1] for m in iq["mam"]["results"]], ["from carol 0", "from carol 1"])

            # Preferences: 'never' stops bob's archive; alice's side still archives.
            prefs = desk.make_iq_set()
            prefs.append(ET.fromstring(f"<prefs xmlns='{MAM}' default='never'/>"))
            answer = await prefs.send(timeout=10)
            self.assertEqual(answer.xml.find(f"{{{MAM}}}prefs").get("default"), "never")
            a.send_message(mto=self.bob, mbody="not archived for bob", mtype="chat")
            m = await next_item(phone.received, lambda m: m["body"] == "not archived for bob")
            self.assertIsNone(stanza_id(m), "no archive id when nothing was archived")
            self.assertEqual((await self.last(desk, 1))[0][1], "from carol 1")
            self.assertEqual((await self.last(a, 1))[0][1], "not archived for bob")

            # Another account's archive.
            with self.assertRaises(IqError) as caught:
                await a.plugin["xep_0313"].retrieve(jid=self.bob, timeout=10)
            self.assertEqual(caught.exception.iq["error"]["condition"], "forbidden")

            # Hostile queries: each one error, and the server goes on.
            form = ("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
                    f"<value>{MAM}</value></field>{{}}</x>")
            rsm = "<set xmlns='http://jabber.org/protocol/rsm'>{}</set>"
            for inner, condition in (
                    (form.format("<field var='start'><value>yesterday</value></field>"), "bad-request"),
                    (form.format("<field var='end'><value>2024-02-30T00:00:00Z</value></field>"), "bad-request"),
                    (rsm.format("<max>" + "9" * 40 + "</max>"), "bad-request"),
                    (rsm.format("<max>-5</max>"), "bad-request"),
                    (rsm.format("<after>no-such-id</after>"), "item-not-found"),
                    (rsm.format("<before>" + "\u00ff" * 3000 + "</before>"), "item-not-found"),
                    (form.format("<field var='after-id'><value>garbage</value></field>"), "item-not-found")):
                self.assertEqual(await self.query_error(desk, f"<query xmlns='{MAM}'>{inner}</query>"), condition, inner)
            # An oversized max that is a number: the server's page (250) at most.
            results, fin = await self.page(a, max=100000)
            self.assertEqual(len(results), 36)
            await round_trip(desk)
        run(go(), timeout=90)
