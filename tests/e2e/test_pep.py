"""End-to-end PEP (XEP-0163 on XEP-0060) with entity capabilities (XEP-0115) and the
directory's avatars (XEP-0084), through slixmpp's own plugins: group-mates hear of each
other's items by their +notify caps, strangers read open nodes only, items outlive a restart,
and cl-usermod -i reaches contacts as avatar metadata.
"""
import asyncio
import hashlib
import os
import sys
import time
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004 import Form

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, Client, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402

DEVICES = "eu.siacs.conversations.axolotl.devicelist"
AXOLOTL = "eu.siacs.conversations.axolotl"
METADATA = "urn:xmpp:avatar:metadata"
IMAGES = os.path.join(os.path.dirname(__file__), "..", "data", "images")


class PepClient(Client):
    """A client with caps, PEP and avatars; keeps the PEP events it gets."""

    def __init__(self, jid, password, interests=()):
        super().__init__(jid, password)
        for plugin in ("xep_0004", "xep_0060", "xep_0115", "xep_0163", "xep_0084"):
            self.register_plugin(plugin)
        self.interests = interests
        self.events = asyncio.Queue()
        self.add_event_handler("pubsub_publish", lambda m: self.events.put_nowait((time.monotonic(), m)))
        self.add_event_handler("pubsub_retract", lambda m: self.events.put_nowait((time.monotonic(), m)))


def devicelist(*ids):
    lst = ET.Element(f"{{{AXOLOTL}}}list")
    for i in ids:
        ET.SubElement(lst, f"{{{AXOLOTL}}}device", {"id": str(i)})
    return lst


def options(**fields):
    form = Form()
    form["type"] = "submit"
    form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
    for var, value in fields.items():
        form.add_field(var="pubsub#" + var, value=value)
    return form


def event_item(message):
    items = message["pubsub_event"]["items"]
    return items["node"], [i for i in items]


class Pep(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        w = cls.world
        w._tool("cl-groupadd", "Team", "jabber")
        for name in ("alice", "bob"):
            w._tool("cl-useradd", "-P", "--allow-short-password", "-g", "Team", name, "jabber", input=name + "-pw\n")
        w._tool("cl-useradd", "-P", "--allow-short-password", "-g", "Team", "-i", os.path.join(IMAGES, "photo.jpg"),
                "dora", "jabber", input="dora-pw\n")
        w._tool("cl-useradd", "-P", "--allow-short-password", "carol", "jabber", input="carol-pw\n")

    async def online(self, name, interests=(), resource="r"):
        c = PepClient(f"{name}@{HOST}/{resource}", name + "-pw", interests)
        c.connect(("127.0.0.1", self.world.port), force_starttls=True)
        self.assertIs(await asyncio.wait_for(c.outcome, TIMEOUT), True)
        for node in interests:
            c["xep_0163"].add_interest(node)
        # The caps the presence announces must carry the interests: computed before it goes.
        await c["xep_0115"].update_caps(broadcast=False)
        c.send_presence()
        return c

    def test_open_devicelist_reaches_the_group_mate_and_a_stranger_may_fetch_it(self):
        async def go():
            alice = await self.online("alice")
            bob = await self.online("bob", [DEVICES])
            carol = await self.online("carol", [DEVICES])
            await asyncio.sleep(0.5)  # the server has asked bob's and carol's caps
            await alice["xep_0060"].publish(f"alice@{HOST}", DEVICES, id="current", payload=devicelist(1, 2),
                                            options=options(access_model="open"))
            # (bob's own devicelist, if another test made one, comes as its last item: not this.)
            _, m = await next_item(bob.events, lambda e: event_item(e[1])[0] == DEVICES
                                   and str(e[1]["from"]) == f"alice@{HOST}")
            node, items = event_item(m)
            self.assertEqual([i["id"] for i in items], ["current"])
            ids = [d.get("id") for d in items[0].xml.find(f"{{{AXOLOTL}}}list")]
            self.assertEqual(ids, ["1", "2"])
            # bob fetches it too; carol, in no group, gets no event but may read an open node.
            got = await bob["xep_0060"].get_items(f"alice@{HOST}", DEVICES, timeout=TIMEOUT)
            self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["current"])
            got = await carol["xep_0060"].get_items(f"alice@{HOST}", DEVICES, timeout=TIMEOUT)
            self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["current"])
            self.assertTrue(carol.events.empty(), "a stranger hears nothing")

            # A presence-model node (the default): the group-mate reads it, the stranger may not.
            mood = ET.Element("{http://jabber.org/protocol/mood}mood")
            ET.SubElement(mood, "{http://jabber.org/protocol/mood}happy")
            await alice["xep_0060"].publish(f"alice@{HOST}", "http://jabber.org/protocol/mood", payload=mood)
            got = await bob["xep_0060"].get_items(f"alice@{HOST}", "http://jabber.org/protocol/mood", timeout=TIMEOUT)
            self.assertEqual(len(got["pubsub"]["items"]), 1)
            with self.assertRaises(IqError) as caught:
                await carol["xep_0060"].get_items(f"alice@{HOST}", "http://jabber.org/protocol/mood", timeout=TIMEOUT)
            self.assertEqual(caught.exception.iq["error"]["condition"], "not-authorized")
            for c in (alice, bob, carol):
                await logout(c)
        run(go())

    def test_bookmarks_as_xep_0402_publishes_them_stay_with_the_owner(self):
        bookmarks = "urn:xmpp:bookmarks:1"

        def conference(name):
            c = ET.Element(f"{{{bookmarks}}}conference", {"name": name, "autojoin": "true"})
            ET.SubElement(c, f"{{{bookmarks}}}nick").text = "alice"
            return c

        async def go():
            phone = await self.online("alice", [bookmarks], resource="phone")
            desk = await self.online("alice", resource="desk")
            bob = await self.online("bob", [bookmarks], resource="bm")
            await asyncio.sleep(0.5)  # the server has asked their caps
            xep_0402 = options(persist_items="true", max_items="max", send_last_published_item="never",
                               access_model="whitelist")
            for room in ("a@conference.localhost", "b@conference.localhost"):
                await desk["xep_0060"].publish(f"alice@{HOST}", bookmarks, id=room, payload=conference(room),
                                               options=xep_0402)
            # The server's own item: the autojoin bookmark of alice's group room (group rooms are on).
            group_room = "team@conference.localhost"
            _, m = await next_item(phone.events, lambda e: event_item(e[1])[0] == bookmarks
                                   and event_item(e[1])[1][0]["id"] != group_room)
            self.assertEqual(event_item(m)[1][0]["id"], "a@conference.localhost", "the owner's other client hears")
            got = await phone["xep_0060"].get_items(f"alice@{HOST}", bookmarks, timeout=TIMEOUT)
            self.assertEqual(sorted(i["id"] for i in got["pubsub"]["items"]),
                             ["a@conference.localhost", "b@conference.localhost", group_room],
                             "max_items=max keeps both, beside the group room's")
            with self.assertRaises(IqError) as caught:
                await bob["xep_0060"].get_items(f"alice@{HOST}", bookmarks, timeout=TIMEOUT)
            self.assertEqual(caught.exception.iq["error"]["condition"], "not-allowed")
            self.assertTrue(all(event_item(e[1])[0] != bookmarks or str(e[1]["from"]) != f"alice@{HOST}"
                                for e in list(bob.events._queue)), "a group-mate hears nothing of a whitelist node")
            for c in (phone, desk, bob):
                await logout(c)
        run(go())

    def test_disco_of_the_account_says_pep(self):
        async def go():
            alice = await self.online("alice", resource="disco")
            info = await alice["xep_0030"].get_info(jid=f"alice@{HOST}", local=False, timeout=TIMEOUT)
            identities = info["disco_info"]["identities"]
            self.assertIn(("pubsub", "pep", None, None), identities)
            features = info["disco_info"]["features"]
            for f in ("http://jabber.org/protocol/pubsub#publish", "http://jabber.org/protocol/pubsub#publish-options",
                      "http://jabber.org/protocol/pubsub#access-whitelist"):
                self.assertIn(f, features)
            await logout(alice)
        run(go())

    def test_a_deleted_and_recreated_account_has_no_nodes(self):
        w = self.world
        w._tool("cl-useradd", "-P", "--allow-short-password", "fred", "jabber", input="fred-pw\n")

        async def publish():
            fred = await self.online("fred", resource="old")
            await fred["xep_0060"].publish(f"fred@{HOST}", DEVICES, id="current", payload=devicelist(5),
                                           options=options(access_model="open"))
            await logout(fred)
        run(publish())
        w._tool("cl-userdel", "fred", "jabber")
        w._tool("cl-useradd", "-P", "--allow-short-password", "fred", "jabber", input="fred-pw\n")

        async def check():
            carol = await self.online("carol", resource="fred")
            deadline = time.monotonic() + 5
            while True:
                try:
                    await carol["xep_0060"].get_items(f"fred@{HOST}", DEVICES, timeout=TIMEOUT)
                except IqError as e:
                    self.assertEqual(e.iq["error"]["condition"], "item-not-found")
                    break
                self.assertLess(time.monotonic(), deadline, "the old account's node is still there")
                await asyncio.sleep(0.1)
            await logout(carol)
        run(check())

    def test_the_server_caps_verify_in_the_client(self):
        async def go():
            alice = await self.online("alice", resource="servercaps")
            self.assertIn("caps", alice.features, "the <c/> stream feature")
            # slixmpp asks node#ver and believes it only if it hashes to ver.
            deadline = time.monotonic() + 5
            ver = None
            while ver is None and time.monotonic() < deadline:
                ver = await alice["xep_0115"].get_verstring(HOST)
                await asyncio.sleep(0.05)
            self.assertIsNotNone(ver, "the server's caps were verified")
            info = await alice["xep_0030"].get_info(jid=HOST, node=f"urn:jabberadmin:cl-jabberd#{ver}", local=False,
                                                    timeout=TIMEOUT)
            self.assertEqual(alice["xep_0115"].generate_verstring(info["disco_info"], "sha-1"), ver)
            await logout(alice)
        run(go())

    def test_items_persist_across_a_restart(self):
        async def go():
            bob = await self.online("bob", resource="persist")
            await bob["xep_0060"].publish(f"bob@{HOST}", DEVICES, id="current", payload=devicelist(77),
                                          options=options(access_model="open"))
            await logout(bob)
        run(go())
        self.world.stop_server()
        self.world.start_server()

        async def again():
            carol = await self.online("carol", resource="after")
            got = await carol["xep_0060"].get_items(f"bob@{HOST}", DEVICES, timeout=TIMEOUT)
            items = list(got["pubsub"]["items"])
            self.assertEqual([i["id"] for i in items], ["current"])
            self.assertEqual(items[0].xml.find(f"{{{AXOLOTL}}}list")[0].get("id"), "77")
            await logout(carol)
        run(again())

    def test_directory_avatar_is_metadata_and_data_and_follows_cl_usermod(self):
        photo = self.world.ldap_attribute("dora", "jpegPhoto")
        self.assertTrue(photo)

        async def go():
            bob = await self.online("bob", resource="avatar")  # xep_0084 registers metadata+notify itself
            _, m = await next_item(bob.events, lambda e: event_item(e[1])[0] == METADATA
                                   and str(e[1]["from"]) == f"dora@{HOST}")
            _, items = event_item(m)
            self.assertEqual(items[0]["id"], hashlib.sha1(photo).hexdigest(), "the id is the vCard photo hash")
            info = items[0].xml.find(f"{{{METADATA}}}metadata/{{{METADATA}}}info")
            self.assertEqual(info.get("bytes"), str(len(photo)))
            self.assertEqual(info.get("type"), "image/jpeg")
            self.assertEqual(info.get("id"), items[0]["id"])
            data = await bob["xep_0084"].retrieve_avatar(f"dora@{HOST}", items[0]["id"], timeout=TIMEOUT)
            self.assertEqual(data["pubsub"]["items"]["item"]["avatar_data"]["value"], photo)

            # The administrator changes it: bob hears of it within 2 s.
            start = time.monotonic()
            await asyncio.get_event_loop().run_in_executor(
                None, lambda: self.world._tool("cl-usermod", "-i", os.path.join(IMAGES, "wide.jpg"), "dora", "jabber"))
            at, m = await next_item(bob.events, lambda e: event_item(e[1])[0] == METADATA
                                    and str(e[1]["from"]) == f"dora@{HOST}")
            new_photo = self.world.ldap_attribute("dora", "jpegPhoto")
            self.assertNotEqual(new_photo, photo)
            self.assertEqual(event_item(m)[1][0]["id"], hashlib.sha1(new_photo).hexdigest())
            self.assertLess(at - start, 2.0)
            sys.stderr.write(f"\ncl-usermod -i: metadata notification after {1000 * (at - start):.0f} ms\n")

            # A client cannot publish its own avatar: the directory is where avatars change.
            dora = await self.online("dora", resource="pub")
            with self.assertRaises(IqError) as caught:
                await dora["xep_0084"].publish_avatar(b"\xff\xd8\xff\xe0fake", timeout=TIMEOUT)
            self.assertEqual(caught.exception.iq["error"]["condition"], "not-allowed")
            self.assertIn("cl-usermod -i", caught.exception.iq["error"]["text"])

            # Removal: an empty <metadata/>.
            await asyncio.get_event_loop().run_in_executor(
                None, lambda: self.world._tool("cl-usermod", "--no-avatar", "dora", "jabber"))
            _, m = await next_item(bob.events, lambda e: event_item(e[1])[0] == METADATA
                                   and str(e[1]["from"]) == f"dora@{HOST}")
            self.assertEqual(len(event_item(m)[1][0].xml.find(f"{{{METADATA}}}metadata")), 0)
            for c in (bob, dora):
                await logout(c)
        run(go())
