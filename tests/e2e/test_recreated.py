"""End-to-end: an account deleted and re-created under the same name while cl-jabberd was
down is a new directory entry (a new entryUUID), and inherits nothing of the old one: its
personal roster, the requests waiting for it, its offline messages and others' items for it
are gone at the next start, as for an account deleted while the server was down.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402
from test_accounts import database_rows  # noqa: E402
from test_roster import connect, roster_get  # noqa: E402


class RecreatedAccount(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("alice", "carol", "erin", "kept"):
            setattr(cls, name, cls.world.add_user(name, name + "-pw"))

    def login(self, name, resource="r"):
        return connect(f"{name}@{HOST}/{resource}", name + "-pw", self.world.port)

    def test_an_account_recreated_while_the_server_was_down_starts_empty(self):
        async def before():
            a, c, e, k = (await self.login("alice"), await self.login("carol"), await self.login("erin"),
                          await self.login("kept"))
            for x in (a, c, e, k):
                await roster_get(x)
                x.send_presence()
            # erin and alice: subscribed both ways; kept and alice too (kept is not re-created).
            e.send_presence(pto=self.alice, ptype="subscribe")
            await next_item(a.pushes, lambda x: x[1]["jid"] == self.erin and x[1]["subscription"] == "both")
            k.send_presence(pto=self.alice, ptype="subscribe")
            await next_item(a.pushes, lambda x: x[1]["jid"] == self.kept and x[1]["subscription"] == "both")
            # carol asks erin, who does not answer: a request waiting for her.
            e.auto_authorize = None
            c.auto_authorize = None
            c.send_presence(pto=self.erin, ptype="subscribe")
            await next_item(e.presences, lambda p: p["type"] == "subscribe" and str(p["from"]) == self.carol)
            await logout(e)
            a.send_message(mto=self.erin, mbody="for the old erin", mtype="chat")
            await self.world.log_shows("offline: stored a message for erin@localhost")
            for x in (a, c, k):
                await logout(x)
        run(before())
        self.assertTrue(database_rows(self.world, self.erin))

        self.world.stop_server()
        self.world._tool("cl-userdel", "erin", "jabber")
        self.world.add_user("erin", "erin-pw")
        self.world.start_server()
        # Before the new erin logs in (nothing can have been handed to her yet), the server
        # has seen the new entry and removed the old account's rows.
        deadline = time.monotonic() + 10
        while "accounts: erin was deleted" not in self.world.server_log():
            self.assertLess(time.monotonic(), deadline, "the server did not tell the new erin apart")
            time.sleep(0.1)
        self.assertIn("accounts: erin is a new directory entry under an old name", self.world.server_log())
        self.assertEqual(database_rows(self.world, self.erin), [])

        async def after():
            n = await self.login("erin", "new")
            _, items = await roster_get(n)
            self.assertEqual(items, {}, "the new erin has an empty personal roster")
            n.send_presence()
            # Stored messages (their first batch) and pending requests are sent while the initial
            # presence is handled: before the answer to a later ping.
            self.assertEqual(await arrived_before_round_trip(n, n.received, lambda m: m["body"]), [],
                             "no offline message of the old erin")
            self.assertEqual(await arrived_before_round_trip(n, n.presences, lambda p: p["type"] == "subscribe"), [],
                             "no request waiting for the old erin")
            a = await self.login("alice", "after")
            _, items = await roster_get(a)
            self.assertNotIn(self.erin, items, "others' items for the old erin went too")
            self.assertIn(self.kept, items, "an account that was not re-created keeps its data")
            for x in (n, a):
                await logout(x)
        run(after())


if __name__ == "__main__":
    unittest.main()
