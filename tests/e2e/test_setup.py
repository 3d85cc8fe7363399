"""From nothing to chatting with only the administrator's commands: cl-setup ldap,
cl-setup jabber (its generated configuration, not one the test writes), cl-groupadd,
cl-useradd, then cl-jabberd and two slixmpp clients on the primary and an added host."""
import asyncio
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from client import login, logout, next_item
from harness import BUILD_DIR, free_port


def tool(name, *args, env, input=None):
    sub = "server" if name == "cl-jabberd" else "tools"
    r = subprocess.run([os.path.join(BUILD_DIR, sub, name), *args], input=input, env=env, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"{name} {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


class SetupToServer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ja-e2e-setup-", dir="/tmp")
        with open(os.path.join(self.dir, "owner.pid"), "w") as f:  # see harness.World
            f.write(str(os.getpid()))
        self.env = dict(os.environ, JABBERADMIN_CONFIG=os.path.join(self.dir, "jabberadmin.conf"), LANG="C.UTF-8")
        self.server = None

    def tearDown(self):
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
        subprocess.run([os.path.join(BUILD_DIR, "tools", "cl-setup"), "--stop", "ldap"], env=self.env,
                       capture_output=True, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_the_generated_configuration_serves_every_host(self):
        port, tls_port = free_port(), free_port()
        tool("cl-setup", "--state-dir", os.path.join(self.dir, "ldap"), "ldap", env=self.env)
        out = tool("cl-setup", "--hosts", "localhost", "--listen", "127.0.0.1", "--port", str(port),
                   "--tls-port", str(tls_port), "--state-dir", os.path.join(self.dir, "data"),
                   "--history", "on", "--history-dir", os.path.join(self.dir, "history"), "jabber",
                   env=self.env, input="admin-pw\n")
        self.assertIn("cl-jabberd --config", out)
        primary = json.loads(tool("cl-info", "--json", "admin", "jabber", env=self.env))["jid"].split("@")[1]
        tool("cl-groupadd", "Тестовая группа", "jabber", env=self.env)
        tool("cl-useradd", "-P", "-c", "Анна", "-g", "Тестовая группа", "anna", "jabber", env=self.env, input="anna-pass\n")
        tool("cl-useradd", "-P", "-c", "Борис", "-g", "Тестовая группа", "boris", "jabber", env=self.env, input="boris-pass\n")

        log = open(os.path.join(self.dir, "cl-jabberd.log"), "wb")
        self.server = subprocess.Popen([os.path.join(BUILD_DIR, "server", "cl-jabberd"), "--config",
                                        self.env["JABBERADMIN_CONFIG"]], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                self.assertIsNone(self.server.poll(), "cl-jabberd exited")
                self.assertLess(time.monotonic(), deadline, "cl-jabberd did not listen")
                time.sleep(0.1)

        async def go():
            # anna on the added host over STARTTLS, boris on the primary over direct TLS.
            anna, ok = await login("anna@localhost", "anna-pass", port)
            self.assertIs(ok, True)
            boris, ok = await login(f"boris@{primary}", "boris-pass", tls_port, direct_tls=True)
            self.assertIs(ok, True)
            admin, ok = await login(f"admin@{primary}", "admin-pw", port)
            self.assertIs(ok, True, "the admin account cl-setup jabber made")
            await logout(admin)
            # Each served host is a view of the same directory group.
            for client, me, mate, host in ((anna, "anna", "boris", "localhost"), (boris, "boris", "anna", primary)):
                roster = await client.get_roster()
                items = {str(j): v for j, v in roster["roster"]["items"].items()}
                self.assertEqual(set(items), {f"{mate}@{host}"}, f"{me}@{host}")
                item = items[f"{mate}@{host}"]
                self.assertEqual((item["subscription"], list(item["groups"])), ("both", ["Тестовая группа"]))
                self.assertEqual(item["name"], {"anna": "Анна", "boris": "Борис"}[mate])
            boris_jid = f"boris@{primary}"
            boris.send_presence()  # available: the message is delivered (or held until now)
            anna.send_message(mto=boris_jid, mbody="Привет", mtype="chat")
            msg = await next_item(boris.received, lambda m: m["body"] == "Привет")
            self.assertEqual(str(msg["from"]).split("/")[0], "anna@localhost")
            await logout(anna)
            await logout(boris)

        asyncio.run(asyncio.wait_for(go(), 60))
        # --history on: the exchange is in boris's log, written where cl-setup said.
        files = glob.glob(os.path.join(self.dir, "history", f"boris@{primary}", "*.log"))
        self.assertEqual(len(files), 1, os.listdir(os.path.join(self.dir, "history")))
        with open(files[0], encoding="utf-8") as f:
            self.assertIn("< anna@localhost Привет", f.read())


if __name__ == "__main__":
    unittest.main()
