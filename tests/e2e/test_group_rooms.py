"""End-to-end: a room for every directory group (cl-jabberd(8), "Group rooms") through
slixmpp's xep_0045, with the real cl-groupadd, cl-groupmod and cl-userdel changing slapd
while cl-jabberd runs: a group's members join its room and talk, anyone else is refused
(registration-required), cl-groupmod -a lets a new member in within 2 s (its bookmark
in PEP and in XEP-0048 private storage), cl-groupmod -d and
cl-userdel take members out of the room live (321), a group with a Cyrillic name and a
space gets its XEP-0106 escaped room, and a rename moves the room.
"""
import asyncio
import os
import sys
import time

from slixmpp.exceptions import IqError, PresenceError

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, login, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402
from test_muc import hear_rooms  # noqa: E402

BOOKMARKS = "urn:xmpp:bookmarks:1"
SERVICE = "conference." + HOST
SALES = "sales@" + SERVICE
CYRILLIC = "отдел\\20продаж@" + SERVICE  # "Отдел продаж", escaped (XEP-0106) and normalised


class GroupRooms(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("anna", "boris", "dina", "vera"):
            cls.world.add_user(name, name + "-pw")

    def tool(self, *args):
        return self.world._tool(*args)

    async def client(self, name):
        c, ok = await login(f"{name}@{HOST}/r", name + "-pw", self.world.port)
        self.assertIs(ok, True)
        c.register_plugin("xep_0060")
        c.register_plugin("xep_0048")
        c.register_plugin("xep_0049")
        return hear_rooms(c)

    async def join(self, c, room, nick):
        return await c.plugin["xep_0045"].join_muc_wait(room, nick, timeout=TIMEOUT)

    async def room_within(self, c, room, seconds=2):
        """Waits until room exists (disco#info answers), so that no join makes a room of the
        user's own under that name first. Returns its identities."""
        start = time.monotonic()
        while True:
            try:
                info = await c["xep_0030"].get_info(room, timeout=TIMEOUT)
                return info["disco_info"]["identities"]
            except IqError:
                if time.monotonic() - start > seconds:
                    raise AssertionError(f"{room} not made within {seconds} s")
                await asyncio.sleep(0.05)

    async def join_within(self, c, room, nick, seconds, start):
        """Joins as soon as the room lets c in; fails seconds after start. Returns the time it took."""
        while True:
            try:
                await self.join(c, room, nick)
                return time.monotonic() - start
            except PresenceError as e:
                if time.monotonic() - start > seconds:
                    raise AssertionError(f"{nick} not let into {room} within {seconds} s: "
                                         f"{e.presence['error']['condition']}")
                await asyncio.sleep(0.05)

    async def bookmarks(self, c):
        """The account's XEP-0402 bookmarks: room JID -> <conference/>."""
        got = await c["xep_0060"].get_items(c.boundjid.bare, BOOKMARKS, timeout=TIMEOUT)
        return {i["id"]: i.xml.find(f"{{{BOOKMARKS}}}conference") for i in got["pubsub"]["items"]}

    async def private_bookmarks(self, c):
        """The account's XEP-0048 bookmarks in private storage (XEP-0049), as mcabber or profanity
        read them: room JID -> (name, autojoin, nick)."""
        iq = await c.plugin["xep_0048"].get_bookmarks(method="xep_0049", timeout=TIMEOUT)
        return {str(b["jid"]): (b["name"], b["autojoin"], b["nick"]) for b in iq["private"]["bookmarks"]["conferences"]}

    async def removed(self, c, room, nick, code=321):
        """c's own unavailable presence from room/nick, with code."""
        p = await next_item(c.muc_presences, lambda p: str(p["from"]) == f"{room}/{nick}"
                            and p["type"] == "unavailable")
        self.assertIn(code, p["muc"]["status_codes"])

    def test_group_members_are_the_rooms_members_live(self):
        async def go():
            self.tool("cl-groupadd", "Sales", "jabber")
            self.tool("cl-groupmod", "-a", "anna,boris", "Sales", "jabber")
            anna, boris, dina = await self.client("anna"), await self.client("boris"), await self.client("dina")
            self.assertIn(("conference", "text", None, "Sales"), await self.room_within(anna, SALES))
            await self.join(anna, SALES, "Anna")
            info = await anna.plugin["xep_0030"].get_info(SALES, timeout=TIMEOUT)
            self.assertIn("muc_membersonly", info["disco_info"]["features"])
            self.assertIn("muc_persistent", info["disco_info"]["features"])
            await self.join(boris, SALES, "Boris")
            anna.send_message(mto=SALES, mbody="hello sales", mtype="groupchat")
            m = await next_item(boris.groupchat, lambda m: m["body"] == "hello sales")
            self.assertEqual(str(m["from"]), SALES + "/Anna")

            # Each member has an autojoin bookmark of the room (XEP-0402).
            conference = (await self.bookmarks(anna))[SALES]
            self.assertEqual((conference.get("name"), conference.get("autojoin")), ("Sales", "true"))

            # Not in the group: refused.
            with self.assertRaises(PresenceError) as caught:
                await self.join(dina, SALES, "Dina")
            self.assertEqual(caught.exception.presence["error"]["condition"], "registration-required")

            # cl-groupmod -a: in within 2 s of running the command.
            start = time.monotonic()
            self.tool("cl-groupmod", "-a", "dina", "Sales", "jabber")
            tool_done = time.monotonic() - start
            took = await self.join_within(dina, SALES, "Dina", 2, start)
            sys.stderr.write(f"\ncl-groupmod -a: joined the group room {1000 * took:.0f} ms after running the command "
                             f"(which itself took {1000 * tool_done:.0f} ms)\n")
            # A client keeping XEP-0048 bookmarks in private storage has the room too (XEP-0411).
            self.assertEqual((await self.private_bookmarks(dina)).get(SALES), ("Sales", True, "dina"))

            # cl-groupmod -d: out of the room live, with 321.
            start = time.monotonic()
            self.tool("cl-groupmod", "-d", "boris", "Sales", "jabber")
            await self.removed(boris, SALES, "Boris")
            self.assertLess(time.monotonic() - start, 2)
            with self.assertRaises(PresenceError) as caught:
                await self.join(boris, SALES, "Boris")
            self.assertEqual(caught.exception.presence["error"]["condition"], "registration-required")
            self.assertNotIn(SALES, await self.bookmarks(boris), "the bookmark goes with the membership")
            self.assertNotIn(SALES, await self.private_bookmarks(boris), "from private storage too")

            # cl-userdel: gone from the room; the others see dina leave.
            start = time.monotonic()
            self.tool("cl-userdel", "dina", "jabber")
            await next_item(anna.muc_presences, lambda p: str(p["from"]) == SALES + "/Dina"
                            and p["type"] == "unavailable")
            self.assertLess(time.monotonic() - start, 2)
            for c in (anna, boris):
                await logout(c)
        run(go())

    def test_a_cyrillic_group_name_with_a_space_and_a_rename(self):
        async def go():
            self.tool("cl-groupadd", "Отдел продаж", "jabber")
            self.tool("cl-groupmod", "-a", "vera", "Отдел продаж", "jabber")
            vera = await self.client("vera")
            self.assertIn(("conference", "text", None, "Отдел продаж"), await self.room_within(vera, CYRILLIC))
            await self.join(vera, CYRILLIC, "Вера")
            vera.send_message(mto=CYRILLIC, mbody="привет", mtype="groupchat")
            await next_item(vera.groupchat, lambda m: m["body"] == "привет")

            # A rename: the old room is destroyed (its occupants told so), the new one has the members.
            self.tool("cl-groupmod", "-n", "Маркетинг", "Отдел продаж", "jabber")
            gone = await next_item(vera.muc_presences, lambda p: str(p["from"]) == CYRILLIC + "/Вера"
                                   and p["type"] == "unavailable")
            self.assertTrue(gone.xml.find("{http://jabber.org/protocol/muc#user}x/"
                                          "{http://jabber.org/protocol/muc#user}destroy") is not None)
            await self.room_within(vera, "маркетинг@" + SERVICE)
            await self.join(vera, "маркетинг@" + SERVICE, "Вера")
            await logout(vera)
        run(go())


if __name__ == "__main__":
    import unittest
    unittest.main()
