"""End-to-end: an account whose expiry date (shadowExpire, days since 1970) has come is
treated as a locked one: refused at SASL with account-disabled, its streams ended, gone from
its group-mates' shared rosters; an extension (cl-usermod -e) brings it back. Real slapd,
real tools, slixmpp clients.
"""
import asyncio
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402
from test_accounts import ldap_modify  # noqa: E402
from test_roster import connect, roster_get  # noqa: E402

PAST = "2001-02-03"
FUTURE = "2999-01-01"


class Expiry(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world._tool("cl-groupadd", "Staff", "jabber")
        for name in ("anna", "boris", "clara", "dima"):
            cls.world._tool("cl-useradd", "-P", "-g", "Staff", name, "jabber", input=name + "-pw-1\n")

    def usermod(self, *args):
        self.world._tool("cl-usermod", *args, "jabber")

    async def login_when(self, name, wanted, resource):
        """Logs in until the outcome is wanted (the server sees the directory within seconds)."""
        deadline = time.monotonic() + 10
        while True:
            c, outcome = await login(f"{name}@{HOST}/{resource}", name + "-pw-1", self.world.port)
            if outcome == wanted or time.monotonic() > deadline:
                return c, outcome
            c.abort()
            await asyncio.sleep(0.2)

    def test_an_expiry_date_in_the_past_refuses_the_login(self):
        async def go():
            b, ok = await login(f"boris@{HOST}/r", "boris-pw-1", self.world.port)
            self.assertIs(ok, True)
            self.usermod("-e", PAST, "boris")
            await asyncio.wait_for(b.disconnected_event.wait(), 10)  # the server saw it: the stream ended
            again, outcome = await login(f"boris@{HOST}/again", "boris-pw-1", self.world.port)
            self.assertEqual(outcome, "account-disabled")
            again.abort()
            # -U is no extension: still refused.
            self.usermod("-U", "boris")
            await asyncio.sleep(1)
            again, outcome = await login(f"boris@{HOST}/again", "boris-pw-1", self.world.port)
            self.assertEqual(outcome, "account-disabled")
            again.abort()
            # Extended: back in.
            self.usermod("-e", FUTURE, "boris")
            back, outcome = await self.login_when("boris", True, "back")
            self.assertIs(outcome, True)
            await logout(back)
        run(go())

    def test_a_day_number_written_by_another_tool_refuses_the_login(self):
        async def go():
            # As an administrator's ldapmodify (or chage on a PAM system) writes it: 100 days ago.
            day = int(time.time() // 86400) - 100
            ldap_modify(self.world, "dn: uid=dima,ou=Users,ou=Jabber,ou=Services,{base}\nchangetype: modify\n"
                                    f"replace: shadowExpire\nshadowExpire: {day}\n")
            # The server sees the change within seconds: until then the login may still pass.
            c, outcome = await self.login_when("dima", "account-disabled", "r")
            self.assertEqual(outcome, "account-disabled")
            c.abort()
        run(go())

    def test_an_expired_member_leaves_the_shared_roster_and_comes_back(self):
        clara = f"clara@{HOST}"

        async def go():
            a = await connect(f"anna@{HOST}/r", "anna-pw-1", self.world.port)
            _, items = await roster_get(a)
            self.assertIn(clara, items)
            self.usermod("-e", PAST, "clara")
            # A push of clara that the directory's first sync sent may still be queued ahead of it.
            _, item, _ = await next_item(a.pushes, lambda p: p[1]["jid"] == clara and p[1]["subscription"] != "both",
                                         timeout=5)
            self.assertEqual(item["subscription"], "remove")
            _, items = await roster_get(a)
            self.assertNotIn(clara, items)
            self.usermod("-e", "", "clara")
            _, item, _ = await next_item(a.pushes, lambda p: p[1]["jid"] == clara, timeout=5)
            self.assertEqual(item["subscription"], "both")
            await logout(a)
        run(go())


if __name__ == "__main__":
    unittest.main()
