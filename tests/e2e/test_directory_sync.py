"""End-to-end: when cl-jabberd loses its directory (slapd stopped) it says so once at
warning level, with the reason, and once again when the directory is back; not a line per
retry. Also when it starts without slapd. Real slapd (stopped and started with cl-setup),
real cl-jabberd, a slixmpp client.
"""
import asyncio
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402
from harness import HOST  # noqa: E402

LOST = "directory sync lost"
RESTORED = "directory sync restored"


class DirectorySync(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = cls.world.add_user("anna", "anna-pw-1")

    def slapd(self, *args):
        r = subprocess.run([self.world.bin("cl-setup"), *args, "ldap"], env=self.world.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def wait_for(self, text, count, timeout=15):
        deadline = time.monotonic() + timeout
        while self.world.server_log().count(text) < count:
            self.assertLess(time.monotonic(), deadline, f"{text!r} not logged {count} time(s):\n" +
                            self.world.server_log()[-3000:])
            time.sleep(0.1)

    def warnings(self, text):
        return [line for line in self.world.server_log().splitlines() if text in line]

    def test_a_lost_directory_is_logged_once_and_its_return_once(self):
        self.assertEqual(self.warnings(LOST), [], "nothing lost at a normal start")
        self.slapd("--stop")
        self.wait_for(LOST, 1)
        time.sleep(4)  # the watch retries every second meanwhile
        lost = self.warnings(LOST)
        self.assertEqual(len(lost), 1, lost)
        self.assertIn("warning", lost[0].lower())
        self.assertRegex(lost[0], LOST + r": \S", "the reason follows")
        self.assertEqual(self.warnings(RESTORED), [])
        self.slapd()
        self.wait_for(RESTORED, 1)
        time.sleep(2)
        self.assertEqual(len(self.warnings(RESTORED)), 1)
        self.assertEqual(len(self.warnings(LOST)), 1)
        self.assertIn("warning", self.warnings(RESTORED)[0].lower())

        async def go():
            c, ok = await login(self.anna + "/r", "anna-pw-1", self.world.port)
            self.assertIs(ok, True)
            await logout(c)
        run(go())

    def test_a_server_started_without_its_directory_says_so_once(self):
        self.world.stop_server()
        before_lost, before_restored = len(self.warnings(LOST)), len(self.warnings(RESTORED))
        self.slapd("--stop")
        self.world.start_server()
        self.wait_for(LOST, before_lost + 1)
        time.sleep(4)
        self.assertEqual(len(self.warnings(LOST)), before_lost + 1)
        self.slapd()
        self.wait_for(RESTORED, before_restored + 1)


if __name__ == "__main__":
    unittest.main()
