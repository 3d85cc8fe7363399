"""End-to-end: XEP-0045 multi-user chat on conference.localhost through slixmpp's xep_0045
plugin: the service in the host's disco#items, a room created and accepted as an instant
room, three users joining and exchanging groupchat messages, a late joiner's history, a
nickname conflict, a kick, a persistent room and its configuration across a restart of
cl-jabberd, and hostile input (a room name with LDAP and JID metacharacters, an oversized
nickname, a presence to a malformed room address) answered with the XEP's errors; XEP-0421
occupant ids through slixmpp's xep_0421 plugin and XEP-0307 unique room names.
"""
import asyncio
import os
import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import PresenceError

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, login, logout, next_item, round_trip  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402
from raw import Raw  # noqa: E402

SERVICE = "conference." + HOST
ROOM = "office@" + SERVICE


def hear_rooms(c):
    """c with slixmpp's xep_0045 and queues of what rooms send it: groupchat messages,
    subjects and occupants' presence."""
    c.register_plugin("xep_0045")
    c.groupchat = asyncio.Queue()
    c.add_event_handler("groupchat_message", lambda m: c.groupchat.put_nowait(m))
    c.subjects = asyncio.Queue()
    c.add_event_handler("groupchat_subject", lambda m: c.subjects.put_nowait(m))
    c.muc_presences = asyncio.Queue()
    c.add_event_handler("groupchat_presence", lambda p: c.muc_presences.put_nowait(p))
    return c


class MucWorld(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("anna", "boris", "vera"):
            cls.world.add_user(name, name + "-pw")

    async def client(self, name, resource="r"):
        c, ok = await login(f"{name}@{HOST}/{resource}", name + "-pw", self.world.port)
        self.assertIs(ok, True)
        c.register_plugin("xep_0004")
        c.register_plugin("xep_0421")
        return hear_rooms(c)

    async def join(self, c, room, nick, **kwargs):
        return await c.plugin["xep_0045"].join_muc_wait(room, nick, timeout=TIMEOUT, **kwargs)

    async def instant_room(self, owner, room, nick):
        """Creates room (201, locked) and accepts the default configuration."""
        presence, _, _, _ = await self.join(owner, room, nick)
        self.assertIn(201, presence["muc"]["status_codes"])
        form = owner.plugin["xep_0004"].make_form(ftype="submit")
        await owner.plugin["xep_0045"].set_room_config(room, form, timeout=TIMEOUT)


class RoomChat(MucWorld):
    def test_join_chat_history_conflict_and_kick(self):
        async def go():
            anna = await self.client("anna")
            items = await anna.plugin["xep_0030"].get_items(HOST, timeout=TIMEOUT)
            self.assertIn(SERVICE, [i[0] for i in items["disco_items"]["items"]])
            info = await anna.plugin["xep_0030"].get_info(SERVICE, timeout=TIMEOUT)
            self.assertIn(("conference", "text", None, "Chatrooms"), info["disco_info"]["identities"])
            self.assertIn("http://jabber.org/protocol/muc", info["disco_info"]["features"])

            await self.instant_room(anna, ROOM, "Anna")
            boris = await self.client("boris")
            presence, subject, occupants, history = await self.join(boris, ROOM, "Boris")
            # (slixmpp counts the joiner's own presence among the occupants it saw arrive)
            self.assertEqual(sorted(str(p["from"]) for p in occupants), [ROOM + "/Anna", ROOM + "/Boris"])
            self.assertEqual(presence["muc"]["role"], "participant")
            self.assertEqual(str(presence["muc"]["jid"]), f"boris@{HOST}/r")

            # Groupchat: reflected to everyone, the sender too, from room/nick.
            boris.send_message(mto=ROOM, mbody="hello all", mtype="groupchat")
            for c in (anna, boris):
                m = await next_item(c.groupchat, lambda m: m["body"] == "hello all")
                self.assertEqual(str(m["from"]), ROOM + "/Boris")
            anna.plugin["xep_0045"].set_subject(ROOM, "Quarterly plans")
            await next_item(boris.subjects, lambda m: m["subject"] == "Quarterly plans")
            for i in range(3):
                anna.send_message(mto=ROOM, mbody=f"note {i}", mtype="groupchat")
                await next_item(boris.groupchat, lambda m, i=i: m["body"] == f"note {i}")

            # A late joiner: the last two messages with their delay, then the subject.
            vera = await self.client("vera")
            _, subject, occupants, history = await self.join(vera, ROOM, "Vera", maxstanzas=2)
            self.assertEqual(sorted(str(p["from"]) for p in occupants), [ROOM + "/Anna", ROOM + "/Boris", ROOM + "/Vera"])
            self.assertEqual([m["body"] for m in history], ["note 1", "note 2"])
            self.assertTrue(all(str(m["delay"]["from"]) == ROOM for m in history))
            self.assertEqual(subject["subject"], "Quarterly plans")

            # A nickname in use: conflict, and the room sees nothing of it.
            second = await self.client("vera", "other")
            with self.assertRaises(PresenceError) as caught:
                await self.join(second, ROOM, "Boris")
            self.assertEqual(caught.exception.presence["error"]["condition"], "conflict")

            # Someone not in the room cannot write to it.
            second.send_message(mto=ROOM, mbody="from outside", mtype="groupchat")
            error = await next_item(second.received, lambda m: m["type"] == "error")
            self.assertEqual(error["error"]["condition"], "not-acceptable")

            # The owner (a moderator) kicks Vera: 307 to her and to the others.
            await anna.plugin["xep_0045"].set_role(ROOM, "Vera", "none", reason="quiet please", timeout=TIMEOUT)
            gone = await next_item(vera.muc_presences, lambda p: p["type"] == "unavailable")
            self.assertIn(307, gone["muc"]["status_codes"])
            self.assertIn(110, gone["muc"]["status_codes"])
            seen = await next_item(boris.muc_presences, lambda p: p["type"] == "unavailable")
            self.assertEqual(str(seen["from"]), ROOM + "/Vera")
            self.assertIn(307, seen["muc"]["status_codes"])
            self.assertNotIn("Vera", boris.plugin["xep_0045"].get_roster(ROOM))

            # A session that ends leaves the room.
            await logout(boris)
            await next_item(anna.muc_presences,
                            lambda p: p["type"] == "unavailable" and str(p["from"]) == ROOM + "/Boris")
            for c in (anna, vera, second):
                await logout(c)
        run(go())

    def test_hostile_room_names_nicknames_and_addresses(self):
        async def go():
            anna = await self.client("anna", "hostile")
            # LDAP filter and JID metacharacters a localpart may hold: just a room name.
            odd = "a*(b)\\5c=c@" + SERVICE
            presence, _, _, _ = await self.join(anna, odd, "Anna")
            self.assertIn(201, presence["muc"]["status_codes"])
            # An oversized nickname: not-acceptable, and no room made.
            with self.assertRaises(PresenceError) as caught:
                await self.join(anna, "big@" + SERVICE, "n" * 500)
            self.assertEqual(caught.exception.presence["error"]["condition"], "not-acceptable")
            items = await anna.plugin["xep_0030"].get_items(SERVICE, timeout=TIMEOUT)
            self.assertNotIn("big@" + SERVICE, [i[0] for i in items["disco_items"]["items"]])
            await logout(anna)

            # What slixmpp would not even send: a raw client.
            r = Raw(self.world.port)
            try:
                r.starttls()
                r.login("boris", "boris-pw")
                r.send("<presence/>")
                r.send(f"<presence to='x@@{SERVICE}/nick'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
                self.assertIn("jid-malformed", r.read_until("</presence>"))
                r.take()
                r.send(f"<presence to='nonick@{SERVICE}'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
                self.assertIn("jid-malformed", r.read_until("</presence>"))
                r.take()
                r.send(f"<message to='ghost@{SERVICE}' type='groupchat' id='g'><body>hi</body></message>")
                self.assertIn("item-not-found", r.read_until("</message>"))
                r.take()
                r.send(f"<iq type='get' id='p' to='{SERVICE}'><ping xmlns='urn:xmpp:ping'/></iq>")
                answer = r.read_until(("result", "error")).replace('"', "'")
                self.assertIn("type='result'", answer)
            finally:
                r.close()
            self.assertIsNone(self.world.server.poll(), "cl-jabberd still runs")
        run(go())


class RoomIdentity(MucWorld):
    def test_occupant_ids_and_unique_room_names(self):
        async def go():
            anna = await self.client("anna")
            # XEP-0307: a fresh name nobody has, which then makes a new room.
            ask = anna.Iq()
            ask["type"], ask["to"] = "get", SERVICE
            ask.xml.append(ET.Element("{http://jabber.org/protocol/muc#unique}unique"))
            answer = await ask.send(timeout=TIMEOUT)
            unique = answer.xml.find("{http://jabber.org/protocol/muc#unique}unique")
            self.assertIsNotNone(unique, str(answer))
            again = anna.Iq()
            again["type"], again["to"] = "get", SERVICE
            again.xml.append(ET.Element("{http://jabber.org/protocol/muc#unique}unique"))
            other = (await again.send(timeout=TIMEOUT)).xml.find("{http://jabber.org/protocol/muc#unique}unique")
            self.assertNotEqual(unique.text, other.text)
            self.assertGreaterEqual(len(unique.text), 32, "unguessable: 128 bits")
            room = unique.text + "@" + SERVICE
            await self.instant_room(anna, room, "Anna")

            # XEP-0421: advertised; one id per account in the room, on presence and messages.
            # (slixmpp 1.8's xep_0421.has_feature calls get_features on the Iq: asked directly)
            info = await anna.plugin["xep_0030"].get_info(room, timeout=TIMEOUT)
            self.assertIn("urn:xmpp:occupant-id:0", info["disco_info"]["features"])
            boris = await self.client("boris")
            presence, _, _, _ = await self.join(boris, room, "Boris")
            boris_id = presence["occupant-id"]["id"]
            self.assertTrue(boris_id)
            self.assertNotIn("boris", boris_id)
            seen = await next_item(anna.muc_presences, lambda p: str(p["from"]) == room + "/Boris")
            self.assertEqual(seen["occupant-id"]["id"], boris_id)
            forged = boris.make_message(mto=room, mbody="who am I", mtype="groupchat")
            forged["occupant-id"]["id"] = "forged"
            forged.send()
            m = await next_item(anna.groupchat, lambda m: m["body"] == "who am I")
            self.assertEqual(m["occupant-id"]["id"], boris_id, "the room's id, not the client's")
            anna_copy = await next_item(boris.groupchat, lambda m: m["body"] == "who am I")
            self.assertEqual(anna_copy["occupant-id"]["id"], boris_id)

            # The same account from another device, under another nickname: the same id.
            await logout(boris)
            desk = await self.client("boris", "desk")
            presence, _, _, _ = await self.join(desk, room, "Bo")
            self.assertEqual(presence["occupant-id"]["id"], boris_id)
            vera = await self.client("vera")
            presence, _, _, _ = await self.join(vera, room, "Vera")
            self.assertNotEqual(presence["occupant-id"]["id"], boris_id)
            for c in (anna, desk, vera):
                await logout(c)
        run(go())


class RoomRestart(MucWorld):
    def test_a_persistent_room_and_its_configuration_survive_a_restart(self):
        async def go():
            anna = await self.client("anna")
            room = "board@" + SERVICE
            await self.join(anna, room, "Anna")
            form = await anna.plugin["xep_0045"].get_room_config(room, timeout=TIMEOUT)
            self.assertIn("muc#roomconfig_persistentroom", form.get_values())
            submit = anna.plugin["xep_0004"].make_form(ftype="submit")
            submit.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
            submit.add_field(var="muc#roomconfig_persistentroom", value=True)
            submit.add_field(var="muc#roomconfig_membersonly", value=True)
            submit.add_field(var="muc#roomconfig_roomname", value="The Board")
            await anna.plugin["xep_0045"].set_room_config(room, submit, timeout=TIMEOUT)
            await anna.plugin["xep_0045"].set_affiliation(room, "member", jid=f"boris@{HOST}", timeout=TIMEOUT)
            anna.plugin["xep_0045"].set_subject(room, "Budget")
            await round_trip(anna)
            await logout(anna)

            self.world.stop_server()
            self.world.start_server()

            boris = await self.client("boris")
            info = await boris.plugin["xep_0030"].get_info(room, timeout=TIMEOUT)
            features = info["disco_info"]["features"]
            self.assertIn("muc_persistent", features)
            self.assertIn("muc_membersonly", features)
            self.assertIn(("conference", "text", None, "The Board"), info["disco_info"]["identities"])
            _, subject, _, _ = await self.join(boris, room, "Boris")
            self.assertEqual(subject["subject"], "Budget")
            vera = await self.client("vera")
            with self.assertRaises(PresenceError) as caught:
                await self.join(vera, room, "Vera")
            self.assertEqual(caught.exception.presence["error"]["condition"], "registration-required")
            anna = await self.client("anna")
            members = await anna.plugin["xep_0045"].get_affiliation_list(room, "member", timeout=TIMEOUT)
            self.assertEqual([str(j) for j in members], [f"boris@{HOST}"])
            for c in (anna, boris, vera):
                await logout(c)
        run(go())

    def test_a_persistent_rooms_history_survives_a_restart(self):
        async def go():
            anna = await self.client("anna", "history")
            room = "minutes@" + SERVICE
            await self.instant_room(anna, room, "Anna")
            submit = anna.plugin["xep_0004"].make_form(ftype="submit")
            submit.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
            submit.add_field(var="muc#roomconfig_persistentroom", value=True)
            await anna.plugin["xep_0045"].set_room_config(room, submit, timeout=TIMEOUT)
            for text in ("item one", "item two"):
                anna.send_message(mto=room, mbody=text, mtype="groupchat")
                await next_item(anna.groupchat, lambda m, text=text: m["body"] == text)
            await logout(anna)

            self.world.stop_server()
            self.world.start_server()

            boris = await self.client("boris", "history")
            _, _, _, history = await self.join(boris, room, "Boris")
            self.assertEqual([m["body"] for m in history], ["item one", "item two"])
            self.assertTrue(all(str(m["from"]) == room + "/Anna" for m in history))
            self.assertTrue(all(str(m["delay"]["from"]) == room and m["delay"]["stamp"] for m in history))
            await logout(boris)
        run(go())
