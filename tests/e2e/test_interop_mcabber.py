"""Interop: mcabber (a real console client, driven under tmux) keeps its data in private
storage (XEP-0049). It no longer says "Server does not support bookmarks storage", and a
roster note written in one mcabber session is read back in the next. A room a XEP-0402 client
(slixmpp publishing to urn:xmpp:bookmarks:1) bookmarks is among the bookmarks mcabber reads.

Run directly (ctest label interop): exits 77, which ctest counts as skipped, when mcabber
or tmux is not installed.
"""
import asyncio
import os
import shutil
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

from slixmpp.plugins.xep_0004 import Form

sys.path.insert(0, os.path.dirname(__file__))
from client import TIMEOUT, Client, logout  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402

SKIP = 77
NOT_SUPPORTED = ("Server does not support bookmarks storage", "Server does not support roster notes storage")


class Mcabber:
    """One mcabber process in a detached tmux session on a tmux server of its own."""

    def __init__(self, world, name, password):
        self.dir = os.path.join(world.dir, "mcabber")
        os.makedirs(self.dir, exist_ok=True)
        self.trace = os.path.join(self.dir, "trace.log")
        self.rc = os.path.join(self.dir, "mcabberrc")
        self.socket = "ja-mcabber-%d" % os.getpid()
        if os.path.exists(self.trace):
            os.remove(self.trace)
        # mcabber reads its password from its configuration file, which must be private.
        fd = os.open(self.rc, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"set jid = {name}@{HOST}\nset password = {password}\nset server = 127.0.0.1\n"
                    f"set port = {world.port}\nset tls = 1\nset ssl_ignore_checks = 1\nset resource = mcabber\n"
                    "set disable_random_resource = 1\nset logging = 0\n"
                    f"set tracelog_file = {self.trace}\nset tracelog_level = 3\n")
        self.tmux("new-session", "-d", "-s", "mc", "-x", "160", "-y", "50",
                  f"HOME={self.dir} exec mcabber -f {self.rc}")
        self.wait_trace("Your status has been set")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout

    def type(self, line):
        self.tmux("send-keys", "-t", "mc", "-l", line)
        self.tmux("send-keys", "-t", "mc", "Enter")

    def trace_text(self):
        try:
            with open(self.trace, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "mc")

    def wait(self, what, read, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if what in read():
                return
            time.sleep(0.1)
        raise AssertionError(f"{what!r} did not appear; trace:\n{self.trace_text()[-3000:]}\nscreen:\n{self.screen()}")

    def wait_trace(self, what, timeout=15):
        self.wait(what, self.trace_text, timeout)

    def wait_screen(self, what, timeout=15):
        self.wait(what, self.screen, timeout)

    def quit(self):
        try:
            self.type("/quit")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "mc"],
                                  capture_output=True).returncode != 0:
                    return
                time.sleep(0.1)
        finally:
            # Only the tmux server this object started (its own socket).
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


class McabberPrivateStorage(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("anna", "boris"):
            cls.world._tool("cl-useradd", "-P", "--allow-short-password", name, "jabber", input=name + "-pw\n")

    def test_bookmarks_storage_is_supported_and_notes_persist(self):
        m = Mcabber(self.world, "anna", "anna-pw")
        try:
            # mcabber reads its bookmarks and roster notes right after login.
            m.wait_trace("<storage xmlns=\"storage:bookmarks\">")
            m.wait_trace("<storage xmlns='storage:bookmarks'/>")
            time.sleep(0.5)
            for complaint in NOT_SUPPORTED:
                self.assertNotIn(complaint, m.trace_text())
            m.type(f"/add boris@{HOST} Boris")
            m.wait_screen("Boris")
            m.type("/roster search boris")
            m.type("/roster note hello from mcabber")
            m.wait_trace("<note ")
            time.sleep(0.5)
        finally:
            m.quit()

        m = Mcabber(self.world, "anna", "anna-pw")
        try:
            m.type("/roster search boris")
            m.wait_screen("Buddy: Boris")
            m.tmux("send-keys", "-t", "mc", "Enter")  # the buddy's window
            m.type("/roster note")
            m.wait_screen("Note: hello from mcabber")
            for complaint in NOT_SUPPORTED:
                self.assertNotIn(complaint, m.trace_text())
        finally:
            m.quit()

    def test_a_room_bookmarked_over_pep_is_in_mcabbers_bookmarks(self):
        """XEP-0411: what a XEP-0402 client publishes, mcabber reads from private storage."""
        async def publish():
            c = Client(f"boris@{HOST}/phone", "boris-pw")
            for plugin in ("xep_0004", "xep_0060"):
                c.register_plugin(plugin)
            c.connect(("127.0.0.1", self.world.port), force_starttls=True)
            self.assertIs(await asyncio.wait_for(c.outcome, TIMEOUT), True)
            form = Form()
            form["type"] = "submit"
            form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
            form.add_field(var="pubsub#access_model", value="whitelist")
            form.add_field(var="pubsub#max_items", value="max")
            conference = ET.Element("{urn:xmpp:bookmarks:1}conference", {"name": "Lobby", "autojoin": "false"})
            await c["xep_0060"].publish(f"boris@{HOST}", "urn:xmpp:bookmarks:1", id="lobby@conference.example.org",
                                        payload=conference, options=form, timeout=TIMEOUT)
            await logout(c)
        run(publish())

        m = Mcabber(self.world, "boris", "boris-pw")
        try:
            m.wait_trace("jid='lobby@conference.example.org' name='Lobby'")
            for complaint in NOT_SUPPORTED:
                self.assertNotIn(complaint, m.trace_text())
        finally:
            m.quit()


if __name__ == "__main__":
    if shutil.which("mcabber") is None or shutil.which("tmux") is None:
        print("mcabber or tmux is not installed: skipped")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
