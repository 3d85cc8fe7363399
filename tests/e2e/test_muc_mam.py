"""End-to-end: a room's XEP-0313 archive through slixmpp's xep_0045, xep_0313 and xep_0059
plugins. Three occupants talk; every copy of a message carries the room's one XEP-0359
stanza-id; a fourth joins later, pages through the room's archive at the room's JID (RSM max)
and finds every message under the ids the others received live; someone who is neither an
occupant nor a member of a members-only room is refused.
"""
import os
import sys

from slixmpp.exceptions import IqError

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, logout, next_item  # noqa: E402
from common import run  # noqa: E402
from harness import HOST  # noqa: E402
from test_mam import MAM, SID, archived  # noqa: E402
from test_muc import SERVICE, MucWorld  # noqa: E402

ROOM = "archived@" + SERVICE


def room_id(message, room):
    """The id of the stanza-id the room put on a message (by = the room), or None."""
    ids = [e.get("id") for e in message.xml.findall(SID) if e.get("by") == room]
    return ids[0] if len(ids) == 1 else None


class RoomArchive(MucWorld):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("dmitri", "eve"):
            cls.world.add_user(name, name + "-pw")

    async def client(self, name, resource="r"):
        c = await super().client(name, resource)
        c.register_plugin("xep_0059")
        c.register_plugin("xep_0313")
        return c

    def test_occupants_share_the_rooms_ids_and_a_late_joiner_pages_through_them(self):
        async def go():
            anna = await self.client("anna")
            await self.instant_room(anna, ROOM, "Anna")
            info = await anna.plugin["xep_0030"].get_info(ROOM, timeout=TIMEOUT)
            self.assertIn(MAM, info["disco_info"]["features"])
            boris, vera = await self.client("boris"), await self.client("vera")
            await self.join(boris, ROOM, "Boris")
            await self.join(vera, ROOM, "Vera")

            said = [(anna, "Anna", "agenda"), (boris, "Boris", "budget"), (vera, "Vera", "coffee"),
                    (anna, "Anna", "done"), (boris, "Boris", "end")]
            ids = []
            for sender, _, text in said:
                sender.send_message(mto=ROOM, mbody=text, mtype="groupchat")
                copies = [await next_item(c.groupchat, lambda m, t=text: m["body"] == t) for c in (anna, boris, vera)]
                seen = {room_id(m, ROOM) for m in copies}
                self.assertEqual(len(seen), 1, "one id in every occupant's copy")
                self.assertIsNotNone(next(iter(seen)))
                ids.append(next(iter(seen)))
            self.assertEqual(len(set(ids)), len(ids))

            # A late joiner reads the archive at the room, two at a time: three pages.
            dmitri = await self.client("dmitri")
            await self.join(dmitri, ROOM, "Dmitri")
            found, after, pages = [], None, 0
            while True:
                rsm = {"max": 2} if after is None else {"max": 2, "after": after}
                iq = await dmitri.plugin["xep_0313"].retrieve(jid=ROOM, rsm=rsm, timeout=TIMEOUT)
                page = [archived(m) for m in iq["mam"]["results"]]
                pages += 1
                found += page
                fin = iq.xml.find(f"{{{MAM}}}fin")
                if fin.get("complete") == "true":
                    break
                after = page[-1][0]
            self.assertEqual(pages, 3)
            self.assertEqual(found, [(i, text, f"{ROOM}/{nick}") for i, (_, nick, text) in zip(ids, said)])
            for c in (anna, boris, vera, dmitri):
                await logout(c)
        run(go())

    def test_a_members_only_rooms_archive_is_refused_to_others(self):
        async def go():
            room = "council@" + SERVICE
            anna = await self.client("anna", "council")
            await self.instant_room(anna, room, "Anna")
            submit = anna.plugin["xep_0004"].make_form(ftype="submit")
            submit.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
            submit.add_field(var="muc#roomconfig_membersonly", value=True)
            await anna.plugin["xep_0045"].set_room_config(room, submit, timeout=TIMEOUT)
            await anna.plugin["xep_0045"].set_affiliation(room, "member", jid=f"boris@{HOST}", timeout=TIMEOUT)
            anna.send_message(mto=room, mbody="between us", mtype="groupchat")
            await next_item(anna.groupchat, lambda m: m["body"] == "between us")

            # A member who is not in the room reads it; a stranger is refused.
            boris = await self.client("boris", "council")
            iq = await boris.plugin["xep_0313"].retrieve(jid=room, timeout=TIMEOUT)
            self.assertEqual([archived(m)[1] for m in iq["mam"]["results"]], ["between us"])
            eve = await self.client("eve")
            with self.assertRaises(IqError) as caught:
                await eve.plugin["xep_0313"].retrieve(jid=room, timeout=TIMEOUT)
            self.assertEqual(caught.exception.iq["error"]["condition"], "forbidden")
            for c in (anna, boris, eve):
                await logout(c)
        run(go())
