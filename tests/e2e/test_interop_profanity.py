"""Interoperability: the profanity console client (Debian package profanity), driven in a
tmux pane, uses XEP-0191 blocking against cl-jabberd: it no longer says blocking is not
supported, lists, blocks and unblocks. Skipped when profanity or tmux is absent.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import HOST, World, WorldCase  # noqa: E402

PROFANITY, TMUX = shutil.which("profanity"), shutil.which("tmux")


class Pane:
    """profanity in a detached tmux session of its own (own socket, own HOME)."""

    def __init__(self, home):
        self.socket = os.path.join(home, "tmux.sock")
        self.env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                        XDG_DATA_HOME=os.path.join(home, "data"), TERM="xterm-256color", LANG="C.UTF-8")
        self._tmux("new-session", "-d", "-s", "prof", "-x", "200", "-y", "50", PROFANITY)

    def _tmux(self, *args, input=None):
        return subprocess.run([TMUX, "-S", self.socket, *args], env=self.env, input=input, capture_output=True,
                              text=True, timeout=10, check=True).stdout

    def type(self, line):
        self._tmux("send-keys", "-t", "prof", "-l", line)
        self._tmux("send-keys", "-t", "prof", "Enter")

    def type_secret(self, secret):
        # Through a paste buffer read from stdin: never on a command line.
        self._tmux("load-buffer", "-b", "secret", "-", input=secret)
        self._tmux("paste-buffer", "-d", "-b", "secret", "-t", "prof")
        self._tmux("send-keys", "-t", "prof", "Enter")

    def screen(self):
        return self._tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "prof")

    def wait_for(self, text, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"profanity never showed {text!r}; the screen:\n{self.screen()}")

    def close(self):
        subprocess.run([TMUX, "-S", self.socket, "kill-server"], env=self.env, capture_output=True, timeout=10)


@unittest.skipUnless(PROFANITY and TMUX, "profanity or tmux is not installed")
class Profanity(WorldCase):
    @classmethod
    def setUpClass(cls):
        cls.world = World()
        cls.world.add_user("alice", "alice-pw")
        cls.world.add_user("spam", "spam-pw")

    def test_blocking_commands(self):
        home = tempfile.mkdtemp(prefix="ja-profanity-", dir="/tmp")
        pane = Pane(home)
        try:
            pane.wait_for("Profanity")
            account = f"alice@{HOST}"
            for line in (f"/account add {account}", f"/account set {account} server 127.0.0.1",
                         f"/account set {account} port {self.world.port}",
                         f"/account set {account} tls trust", f"/connect {account}"):
                pane.type(line)
            pane.wait_for("Enter password")
            pane.type_secret("alice-pw")
            pane.wait_for("logged in successfully")
            time.sleep(1)  # its disco#info of the server is on its way
            pane.type("/blocked")
            screen = pane.wait_for("No blocked users.")
            self.assertNotIn("not supported by server", screen)
            pane.type(f"/blocked add spam@{HOST}")
            pane.wait_for(f"User spam@{HOST} successfully blocked.")
            pane.type("/blocked")
            screen = pane.wait_for("Blocked users:")
            self.assertIn(f"spam@{HOST}", screen.split("Blocked users:")[-1])
            pane.type(f"/blocked remove spam@{HOST}")
            pane.wait_for(f"User spam@{HOST} successfully unblocked.")
            pane.type("/quit")
        finally:
            pane.close()
            shutil.rmtree(home, ignore_errors=True)
