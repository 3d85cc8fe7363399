"""End-to-end: XEP-0198 stream management with slixmpp's own xep_0198 plugin. A client's
TCP connection dies without </stream> while another client sends it messages; it
reconnects and resumes, and every message arrives exactly once. A session not resumed
within its window (a short one here) leaves its unacknowledged messages in offline
storage, delivered once at the next login.
"""
import asyncio
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, Client, round_trip  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402

N = 40


class SmClient(Client):
    """A client with stream management on (resumption asked for), counting message bodies."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin("xep_0198")
        self.bodies = []
        self.sm_ready = asyncio.get_event_loop().create_future()
        self.resumed = asyncio.Event()
        self.add_event_handler("message", lambda m: m["body"] and self.bodies.append(m["body"]))
        self.add_event_handler("sm_enabled", lambda _: self.sm_ready.done() or self.sm_ready.set_result(True))
        self.add_event_handler("session_resumed", lambda _: self.resumed.set())
        self.add_event_handler("sm_failed", lambda _: self.sm_ready.done() or self.sm_ready.set_result(False))

    def send_presence_on_start(self):
        self.send_presence()

    def kill_connection(self):
        """Closes the TCP connection at once (RST), with neither </stream> nor a TLS close."""
        sock = self.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


async def online(jid, password, port, cls=Client):
    c = cls(jid, password)
    c.connect(("127.0.0.1", port), force_starttls=True)
    assert await asyncio.wait_for(c.outcome, TIMEOUT) is True
    return c


async def until(predicate, timeout=TIMEOUT):
    async def poll():
        while not predicate():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(poll(), timeout)


class Resumption(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob-pw")

    def test_killed_connection_is_resumed_and_every_message_arrives_once(self):
        async def scenario():
            a = await online(self.alice + "/phone", "alice-pw", self.world.port, SmClient)
            self.assertIs(await asyncio.wait_for(a.sm_ready, TIMEOUT), True)
            self.assertTrue(a.plugin["xep_0198"].sm_id)
            b = await online(self.bob + "/pc", "bob-pw", self.world.port)
            await round_trip(a)
            for i in range(N):
                b.send_message(mto=self.alice, mbody=f"m{i}", mtype="chat")
                if i == N // 4:
                    await round_trip(b)
                    a.kill_connection()  # with messages in flight to it
            await round_trip(b)  # all N handled by the server: delivered or queued
            sent_by_alice = a.plugin["xep_0198"].seq  # all handled: a round trip came back before the kill
            await self.world.log_shows("connection lost; session kept for resumption")
            self.assertEqual([e for e in b.stream_errors], [])
            received_before = len(a.bodies)
            a.connect(("127.0.0.1", self.world.port), force_starttls=True)
            await asyncio.wait_for(a.resumed.wait(), TIMEOUT)
            await until(lambda: len(a.bodies) >= N)
            await round_trip(a)
            self.assertEqual(sorted(a.bodies, key=lambda s: int(s[1:])), [f"m{i}" for i in range(N)],
                             f"{received_before} arrived before the kill")
            # The server's h: every stanza alice sent on the killed connection, nonzas not counted.
            self.assertIn(f"sm: {self.alice}/phone resumed with h {sent_by_alice};", self.world.server_log())
            # The session goes on: a new message arrives once too.
            b.send_message(mto=self.alice, mbody="after", mtype="chat")
            await until(lambda: "after" in a.bodies)
            await round_trip(a)
            self.assertEqual(a.bodies.count("after"), 1)
            self.assertEqual(len(a.bodies), N + 1)
            a.abort()
            b.abort()
        run(scenario())

    def test_resume_of_another_account_is_refused(self):
        async def scenario():
            a = await online(self.alice + "/tablet", "alice-pw", self.world.port, SmClient)
            self.assertIs(await asyncio.wait_for(a.sm_ready, TIMEOUT), True)
            stolen = a.plugin["xep_0198"].sm_id
            a.kill_connection()
            await self.world.log_shows("alice@localhost/tablet: connection lost; session kept", 1)
            thief = SmClient(self.bob + "/x", "bob-pw")
            thief.plugin["xep_0198"].sm_id = stolen  # as if bob had learnt alice's id
            thief.connect(("127.0.0.1", self.world.port), force_starttls=True)
            self.assertIs(await asyncio.wait_for(thief.outcome, TIMEOUT), True)  # failed, then bound anew
            self.assertFalse(thief.resumed.is_set())
            self.assertEqual(thief.boundjid.bare, self.bob)
            thief.abort()
        run(scenario())


class WindowCloses(ConfiguredWorldTest):
    extra_jabber_lines = "sm_resume_timeout = 2\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob-pw")

    def test_unacked_messages_go_to_offline_storage_and_arrive_once(self):
        async def scenario():
            a = await online(self.alice + "/phone", "alice-pw", self.world.port, SmClient)
            self.assertIs(await asyncio.wait_for(a.sm_ready, TIMEOUT), True)
            b = await online(self.bob + "/pc", "bob-pw", self.world.port)
            a.kill_connection()
            await self.world.log_shows("connection lost; session kept for resumption")
            for i in range(N):
                b.send_message(mto=self.alice, mbody=f"w{i}", mtype="chat")
            await round_trip(b)  # queued on the detached session: no error to bob
            self.assertNotIn("stored a message for alice", self.world.server_log())
            await self.world.log_shows("was not resumed in time; the session ends", timeout=10)
            # Logged once the session has left the router and its queue was routed again.
            await self.world.log_shows("alice@localhost/phone: detached session ended")
            self.assertIn("offline: stored a message for alice@localhost", self.world.server_log())
            fresh = await online(self.alice + "/desk", "alice-pw", self.world.port, SmClient)
            await until(lambda: len(fresh.bodies) >= N)
            await asyncio.sleep(0.5)
            await round_trip(fresh)
            self.assertEqual(fresh.bodies, [f"w{i}" for i in range(N)])
            fresh.abort()
            b.abort()
        run(scenario())
