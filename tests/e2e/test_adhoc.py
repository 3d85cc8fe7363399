"""XEP-0050 / XEP-0133 against a running cl-jabberd, driven by slixmpp's xep_0050 plugin: an
admin (the `admins` setting) lists the online users, announces to them, ends one user's
session (that client sees the stream error, the others stay) and reads that user's last
login; a normal user is forbidden."""
import asyncio
import datetime
import unittest

from slixmpp.exceptions import IqError

from client import login, logout, next_item, run
from common import ConfiguredWorldTest
from harness import HOST

ADMIN = "http://jabber.org/protocol/admin#"
COMMANDS = "http://jabber.org/protocol/commands"


def with_adhoc(client):
    client.register_plugin("xep_0004")
    client.register_plugin("xep_0050")
    return client


async def two_stages(client, node, fields):
    """Runs a multi-stage command: its form, filled with fields and submitted."""
    adhoc = client.plugin["xep_0050"]
    first = await adhoc.send_command(HOST, ADMIN + node, timeout=10)
    assert first["command"]["status"] == "executing", first
    form = first["command"]["form"]
    form["type"] = "submit"
    form.set_values({"FORM_TYPE": "http://jabber.org/protocol/admin", **fields})
    return await adhoc.send_command(HOST, ADMIN + node, action="complete", payload=form,
                                    sessionid=first["command"]["sessionid"], timeout=10)


def values(iq, var):
    form = iq["command"]["form"]
    return form.get_fields()[var].get_value()


class Adhoc(ConfiguredWorldTest):
    extra_jabber_lines = f"admins = ['boss@{HOST}']\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boss = cls.world.add_user("boss", "secret-boss")
        cls.alice = cls.world.add_user("alice", "secret-a")
        cls.bob = cls.world.add_user("bob", "secret-b")

    def test_admin_commands_and_forbidden_for_users(self):
        async def scenario():
            started = datetime.datetime.now(datetime.timezone.utc)
            boss, ok1 = await login(self.boss + "/console", "secret-boss", self.world.port)
            alice, ok2 = await login(self.alice + "/phone", "secret-a", self.world.port)
            self.assertIs(ok1, True)
            self.assertIs(ok2, True)
            with_adhoc(boss)
            try:
                # The command list: the admin sees the XEP-0133 nodes.
                items = await boss.plugin["xep_0030"].get_items(jid=HOST, node=COMMANDS, timeout=10)
                nodes = {i[1] for i in items["disco_items"]["items"]}
                self.assertIn(ADMIN + "get-online-users-list", nodes)
                self.assertIn(ADMIN + "end-user-session", nodes)

                online = await boss.plugin["xep_0050"].send_command(HOST, ADMIN + "get-online-users-list", timeout=10)
                self.assertEqual(online["command"]["status"], "completed")
                self.assertEqual(sorted(values(online, "onlineuserjids")), sorted([self.alice, self.boss]))

                # Announce: two stages, the form then the submitted body.
                done = await two_stages(boss, "announce", {"subject": "Maintenance", "body": "Down at noon"})
                self.assertEqual(done["command"]["status"], "completed")
                got = await next_item(alice.received, lambda m: m["body"] == "Down at noon")
                self.assertEqual(got["subject"], "Maintenance")
                self.assertEqual(str(got["from"]), HOST)

                # A normal user is forbidden, and lists no commands.
                bob, ok3 = await login(self.bob + "/pc", "secret-b", self.world.port)
                self.assertIs(ok3, True)
                with_adhoc(bob)
                with self.assertRaises(IqError) as refused:
                    await bob.plugin["xep_0050"].send_command(HOST, ADMIN + "get-online-users-num", timeout=10)
                self.assertEqual(refused.exception.iq["error"]["condition"], "forbidden")
                self.assertEqual(refused.exception.iq["error"]["type"], "auth")
                items = await bob.plugin["xep_0030"].get_items(jid=HOST, node=COMMANDS, timeout=10)
                self.assertEqual(list(items["disco_items"]["items"]), [])

                # End alice's session: she sees the stream error, bob and the admin stay.
                done = await two_stages(boss, "end-user-session", {"accountjids": [self.alice]})
                self.assertEqual(done["command"]["status"], "completed")
                await asyncio.wait_for(alice.disconnected_event.wait(), 10)
                self.assertIn("policy-violation", alice.stream_errors)
                self.assertFalse(bob.disconnected_event.is_set())
                await bob.plugin["xep_0199"].ping(jid=HOST, timeout=10)
                online = await boss.plugin["xep_0050"].send_command(HOST, ADMIN + "get-online-users-list", timeout=10)
                self.assertEqual(sorted(values(online, "onlineuserjids")), sorted([self.boss, self.bob]))

                # Her last login, though she is gone: between the test's start and now, to the second.
                last = await two_stages(boss, "get-user-lastlogin", {"accountjid": self.alice})
                self.assertEqual(last["command"]["status"], "completed")
                # XEP-0082 DateTime in UTC ("...T12:34:56.789Z").
                text = values(last, "lastlogin")
                self.assertTrue(text.endswith("Z"), text)
                when = datetime.datetime.fromisoformat(text[:-1] + "+00:00")
                self.assertLessEqual(started.replace(microsecond=0), when)
                self.assertLessEqual(when, datetime.datetime.now(datetime.timezone.utc))
                await logout(bob)
            finally:
                await logout(boss)
                if not alice.disconnected_event.is_set():
                    await logout(alice)
        run(scenario())


if __name__ == "__main__":
    unittest.main()
