"""End-to-end: offline messages. A message to a user with no available resource is
committed before anything answers, survives kill -9 of the server, and arrives after the
restart at the user's initial presence, in order, with a XEP-0203 delay stamp; over the
per-user limit the sender gets an error.
"""
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, login, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402

DELAY = "{urn:xmpp:delay}delay"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def error_of(m):
    """(condition, text) of a message error."""
    return m["error"]["condition"], m["error"]["text"]


async def first_body(client):
    """The body of the first message with one that reaches the client."""
    return (await next_item(client.received, lambda m: m["body"]))["body"]


class Offline(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob-pw")
        cls.boris = cls.world.add_user("борис", "boris-pw")

    def test_message_to_offline_user_survives_kill_9_and_arrives_with_a_delay_stamp(self):
        bodies = ["first", "второе, по-русски", "third\nwith two lines"]
        sent_at = datetime.datetime.now(datetime.timezone.utc)

        async def send():
            a, ok = await login(self.alice + "/a", "alice-pw", self.world.port)
            self.assertIs(ok, True)
            a.send_presence()
            for body in bodies[:2]:
                a.send_message(mto=self.bob, mbody=body, mtype="chat")
            a.send_message(mto=self.bob + "/gone", mbody=bodies[2], mtype="normal")
            # The server logs each message once it is committed; then nothing may answer.
            await self.world.log_shows("offline: stored a message for bob@localhost", 3)
            self.assertEqual(await arrived_before_round_trip(a, a.received), [], "no error: the message was stored")
            a.abort()
        run(send())

        self.world.kill_server()
        self.world.start_server()

        async def receive():
            b, ok = await login(self.bob + "/phone", "bob-pw", self.world.port)
            self.assertIs(ok, True)
            self.assertEqual(await arrived_before_round_trip(b, b.received), [], "nothing before initial presence")
            b.send_presence()
            got = [await next_item(b.received, lambda m: m["body"]) for _ in bodies]
            self.assertEqual([m["body"] for m in got], bodies)
            self.assertEqual([str(m["from"]) for m in got], [self.alice + "/a"] * 3)
            self.assertEqual([m["type"] for m in got], ["chat", "chat", "normal"])
            for m in got:
                delay = m.xml.find(DELAY)
                self.assertIsNotNone(delay, "XEP-0203 delay on every offline message")
                self.assertEqual(delay.get("from"), "localhost")
                self.assertEqual(delay.text, "Offline Storage")
                self.assertRegex(delay.get("stamp"), STAMP)
                stamp = datetime.datetime.strptime(delay.get("stamp"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc)
                self.assertLess(abs((stamp - sent_at).total_seconds()), 30, "stamped when the server got it")
            await logout(b)
            # Delivered once: at the next login a new message is the first to come.
            a, _ = await login(self.alice + "/again", "alice-pw", self.world.port)
            await self.world.store_offline(a, self.bob, "marker")
            b, _ = await login(self.bob + "/tablet", "bob-pw", self.world.port)
            b.send_presence()
            self.assertEqual(await first_body(b), "marker")
            await logout(b)
            await logout(a)
        run(receive())

    def test_cyrillic_user_gets_offline_messages_at_initial_presence(self):
        async def go():
            a, _ = await login(self.alice + "/c", "alice-pw", self.world.port)
            a.send_message(mto=self.boris, mbody="привет, Борис", mtype="chat")
            await self.world.log_shows("offline: stored a message for борис@localhost")
            b, ok = await login(self.boris + "/дом", "boris-pw", self.world.port)
            self.assertIs(ok, True)
            b.send_presence()
            m = await next_item(b.received, lambda m: m["body"])
            self.assertEqual(m["body"], "привет, Борис")
            self.assertIsNotNone(m.xml.find(DELAY))
            await logout(b)
            await logout(a)
        run(go())

    def test_deleting_an_account_drops_its_stored_messages(self):
        gone = self.world.add_user("gone", "gone-pw")

        async def go():
            a, _ = await login(self.alice + "/g", "alice-pw", self.world.port)
            a.send_message(mto=gone, mbody="you will never read this", mtype="chat")
            await self.world.log_shows("offline: stored a message for gone@localhost")
            self.world._tool("cl-userdel", "gone", "jabber")
            await self.world.log_shows("accounts: gone was deleted")
            self.world.add_user("gone", "gone-pw")
            g, ok = await login(gone + "/new", "gone-pw", self.world.port)
            self.assertIs(ok, True)
            g.send_presence()
            # The first batch of stored messages is handed over while the initial presence is
            # handled, so anything stored would come before the answer to a later ping.
            self.assertEqual(await arrived_before_round_trip(g, g.received), [],
                             "a new account with the old name starts empty")
            await logout(g)
            await logout(a)
        run(go())

    def test_unknown_recipient_gets_service_unavailable(self):
        async def go():
            a, _ = await login(self.alice + "/u", "alice-pw", self.world.port)
            a.send_message(mto="nobody@localhost", mbody="anyone?", mtype="chat")
            e = await next_item(a.received, lambda m: m["type"] == "error")
            self.assertEqual(e["error"]["condition"], "service-unavailable")
            await logout(a)
        run(go())


class OfflineLimit(ConfiguredWorldTest):
    LIMIT = 1000  # the server's per-user default
    # 1001 messages at once: the sender's rate limit (20 stanzas/s) would stretch that to 45 s.
    extra_jabber_lines = "stanza_rate = 0\nbyte_rate = 0\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.dora = cls.world.add_user("dora", "dora-pw")

    def test_over_the_limit_the_sender_is_told_and_the_stored_ones_all_arrive(self):
        async def go():
            a, _ = await login(self.alice + "/a", "alice-pw", self.world.port)
            started = time.monotonic()
            for i in range(self.LIMIT + 1):
                a.send_message(mto=self.dora, mbody=f"message {i}", mtype="chat")
            e = await next_item(a.received, lambda m: m["type"] == "error", timeout=60)
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\n{self.LIMIT + 1} messages to an offline user stored or refused in {elapsed:.2f} s\n")
            condition, text = error_of(e)
            self.assertEqual(condition, "service-unavailable")
            self.assertIn("offline storage is full", text)
            self.assertEqual(e["body"] if e["body"] else "message 1000", "message 1000")
            self.assertEqual(await arrived_before_round_trip(a, a.received, lambda m: m["type"] == "error"), [],
                             "exactly one refusal")

            d, _ = await login(self.dora + "/d", "dora-pw", self.world.port)
            started = time.monotonic()
            d.send_presence()
            got = [await next_item(d.received, lambda m: m["body"], timeout=60) for _ in range(self.LIMIT)]
            sys.stderr.write(f"{self.LIMIT} offline messages delivered at login in {time.monotonic() - started:.2f} s\n")
            self.assertEqual([m["body"] for m in got], [f"message {i}" for i in range(self.LIMIT)])
            await logout(d)
            # Nothing kept: at the next login a new message is the first to come.
            await self.world.store_offline(a, self.dora, "marker")
            d, _ = await login(self.dora + "/d", "dora-pw", self.world.port)
            d.send_presence()
            self.assertEqual(await first_body(d), "marker")
            await logout(d)
            await logout(a)
        run(go(), timeout=110)


class OfflineSmallLimit(ConfiguredWorldTest):
    server_args = ("--max-offline-messages", "3")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.erin = cls.world.add_user("erin", "erin-pw")

    def test_the_limit_comes_from_the_command_line(self):
        async def go():
            a, _ = await login(self.alice + "/a", "alice-pw", self.world.port)
            for i in range(4):
                a.send_message(mto=self.erin, mbody=f"m{i}", mtype="chat")
            e = await next_item(a.received, lambda m: m["type"] == "error")
            self.assertEqual(error_of(e), ("service-unavailable",
                                           "The recipient is offline and their offline storage is full (3 messages)"))
            self.assertEqual(await arrived_before_round_trip(a, a.received, lambda m: m["type"] == "error"), [],
                             "exactly one refusal")
            await logout(a)
        run(go())
