"""End-to-end: `history = true`. Every message between users (delivered, stored offline or
bounced by the limit) becomes one line in the sender's and the recipient's daily files,
<history_dir>/<bare JID>/<YYYY-MM-DD>.log (mode 0640); nothing else does; SIGHUP closes the
files so logrotate can move them.
"""
import glob
import os
import re
import stat
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item, round_trip  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([<>]) (\S+) (.*)$")


class History(ConfiguredWorldTest):
    extra_jabber_lines = "history = true\nhistory_dir = '{dir}/history'\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.history = os.path.join(cls.world.dir, "history")
        for name in ("alice", "bob", "carol", "erin", "frank"):
            setattr(cls, name, cls.world.add_user(name, name + "-pw"))

    def files(self, jid):
        return sorted(glob.glob(os.path.join(self.history, jid, "*")))

    def lines(self, jid):
        """(direction, peer, body) of every line in the user's files, checking the format."""
        out = []
        for path in self.files(jid):
            self.assertRegex(os.path.basename(path), r"^\d{4}-\d\d-\d\d\.log$")
            with open(path, encoding="utf-8") as f:
                for line in f.read().splitlines():
                    m = LINE.match(line)
                    self.assertIsNotNone(m, f"malformed history line {line!r}")
                    self.assertEqual(os.path.basename(path), m.group(1)[:10] + ".log", "the file is the UTC day")
                    out.append(m.group(2, 3, 4))
        return out

    def test_history_files_hold_exactly_the_exchanged_messages(self):
        async def go():
            a, _ = await login(self.alice + "/a", "alice-pw", self.world.port)
            b, _ = await login(self.bob + "/b", "bob-pw", self.world.port)
            a.send_presence()
            b.send_presence()
            await round_trip(b)  # b's presence handled: a message to the bare JID reaches b
            a.send_message(mto=self.bob, mbody="привет, Bob", mtype="chat")
            m = await next_item(b.received, lambda m: m["body"])
            b.send_message(mto=str(m["from"]), mbody="line one\nline two", mtype="chat")
            await next_item(a.received, lambda m: m["body"])
            a.send_message(mto=self.bob + "/b", mbody="back\\slash", mtype="normal")
            await next_item(b.received, lambda m: m["body"])
            # Not history: a chat state alone, and a message to nobody.
            typing = a.make_message(mto=self.bob, mtype="chat")
            typing.xml.append(ET.Element("{http://jabber.org/protocol/chatstates}composing"))
            typing.send()
            # History although carol is offline (stored for her).
            a.send_message(mto=self.carol, mbody="for later", mtype="chat")
            a.send_message(mto="nobody@localhost", mbody="anyone?", mtype="chat")
            await next_item(a.received, lambda m: m["type"] == "error")  # handled in order: all the above too
            await logout(a)
            await logout(b)
        run(go())
        self.assertEqual(self.lines(self.alice), [
            (">", self.bob, "привет, Bob"),
            ("<", self.bob, "line one\\nline two"),
            (">", self.bob, "back\\\\slash"),
            (">", self.carol, "for later"),
        ])
        self.assertEqual(self.lines(self.bob), [
            ("<", self.alice, "привет, Bob"),
            (">", self.alice, "line one\\nline two"),
            ("<", self.alice, "back\\\\slash"),
        ])
        self.assertEqual(self.lines(self.carol), [("<", self.alice, "for later")])
        self.assertFalse(os.path.exists(os.path.join(self.history, "nobody@localhost")))
        for path in self.files(self.alice) + self.files(self.bob):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640, path)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.history, self.alice)).st_mode), 0o750)

    def test_sighup_lets_logrotate_move_the_files(self):
        async def go():
            e, _ = await login(self.erin + "/e", "erin-pw", self.world.port)
            f, _ = await login(self.frank + "/f", "frank-pw", self.world.port)
            e.send_presence()
            f.send_presence()
            await round_trip(f)  # f's presence handled: a message to the bare JID reaches f
            e.send_message(mto=self.frank, mbody="before rotation", mtype="chat")
            await next_item(f.received, lambda m: m["body"])
            [path] = self.files(self.erin)
            os.rename(path, path + ".1")  # what logrotate does
            reloads = self.world.server_log().count("reloaded: SHA-256")
            self.world.hup_server()
            await self.world.log_shows("reloaded: SHA-256", reloads + 1)
            e.send_message(mto=self.frank, mbody="after rotation", mtype="chat")
            await next_item(f.received, lambda m: m["body"])
            with open(path + ".1", encoding="utf-8") as old, open(path, encoding="utf-8") as new:
                self.assertTrue(old.read().endswith(" > frank@localhost before rotation\n"))
                self.assertTrue(new.read().endswith(" > frank@localhost after rotation\n"))
            with open(path, encoding="utf-8") as new:
                self.assertEqual(len(new.read().splitlines()), 1)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
            await logout(e)
            await logout(f)
        run(go())
