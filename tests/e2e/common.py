"""Shared by the part-2 end-to-end tests (offline, history, vCard): a World subclass whose
[jabber] section can say more, kill -9 and restart, and small waits."""
import asyncio
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import arrived_before_round_trip, run  # noqa: E402,F401 (the tests import run from here)
from harness import World, WorldCase  # noqa: E402



class ConfiguredWorld(World):
    """A World whose [jabber] section gets extra lines (written before the server starts)."""

    def __init__(self, extra_jabber_lines="", server_args=()):
        self.extra_jabber_lines = extra_jabber_lines
        super().__init__(server_args)

    def _write_jabber_section(self, max_stanza_size):
        super()._write_jabber_section(max_stanza_size)
        with open(self.config, "a") as f:
            f.write(self.extra_jabber_lines.replace("{dir}", self.dir))

    def kill_server(self):
        """SIGKILL: no shutdown code runs, nothing is flushed on the way out."""
        self.server.send_signal(signal.SIGKILL)
        self.server.wait(10)
        self.server = None
        self.log.close()

    def hup_server(self):
        self.server.send_signal(signal.SIGHUP)

    async def log_shows(self, text, count=1, timeout=10):
        """Waits (without blocking the clients' event loop) until text is in the server log count times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server_log().count(text) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} did not appear {count} times in the server log")

    async def store_offline(self, sender, to, body):
        """Sends body from the client sender to the bare JID to (who has no available resource)
        and waits until the server committed it. Stored messages are handed over in order, so
        this one is a positive marker: what must not be stored for to would come before it.
        The server stores while it handles the message, so a round trip on the sender's stream
        comes after the commit, or after the error that refused it. (Not the log: identical
        lines beyond 10 in 10 s are summarised.) Empties the sender's queue of messages."""
        sender.send_message(mto=to, mbody=body, mtype="chat")
        errors = await arrived_before_round_trip(sender, sender.received, lambda m: m["type"] == "error")
        if errors:
            raise AssertionError(f"{body!r} for {to} was refused: {errors[0]['error']['condition']}")

    def ldap_attribute(self, name, attribute):
        """The raw bytes of one attribute of a Jabber user, read from slapd with ldapsearch."""
        settings = self.ldap_settings()
        r = subprocess.run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-Q", "-Y", "EXTERNAL", "-H", settings["uri"],
                            "-b", settings["base_dn"], f"(uid={name})", attribute],
                           capture_output=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("ldapsearch failed: " + r.stderr.decode(errors="replace"))
        import base64
        for line in r.stdout.decode().splitlines():
            if line.startswith(attribute + ":: "):
                return base64.b64decode(line[len(attribute) + 3:])
            if line.startswith(attribute + ": "):
                return line[len(attribute) + 2:].encode()
        return None


class ConfiguredWorldTest(WorldCase):
    extra_jabber_lines = ""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.world = ConfiguredWorld(cls.extra_jabber_lines, cls.server_args)

