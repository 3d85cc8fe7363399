"""End-to-end with xmpp.js (npm's @xmpp/client, pinned in node/package-lock.json), a client
that speaks SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484) when a server offers them.
Skipped when node or node/node_modules is missing (scripts/install-deps runs npm ci).
"""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item  # noqa: E402
from common import ConfiguredWorldTest  # noqa: E402
from harness import HOST  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


async def node_client_chats(test, script, env, greeting, timeout=30):
    """Runs node/<script>, a client that says `greeting` to bob (slixmpp over TCP, logged in
    here) and waits for his "hello over tcp"; returns the message bob got and the script's
    last JSON line, after checking it exited 0 with that reply."""
    bob, ok = await login(f"bob@{HOST}", "bob-pw", test.world.port)
    test.assertIs(ok, True)
    bob.send_presence()
    node = await asyncio.create_subprocess_exec("node", script, cwd=NODE_DIR, env=dict(os.environ, **env),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        hello = await next_item(bob.received, lambda m: m["body"] == greeting, timeout=timeout)
        bob.send_message(mto=hello["from"], mbody="hello over tcp", mtype="chat")
        out, err = await asyncio.wait_for(node.communicate(), timeout + 10)
    finally:
        if node.returncode is None:
            node.kill()
    lines = out.decode().strip().splitlines()
    test.assertTrue(lines, f"{script} printed nothing: " + err.decode())
    result = json.loads(lines[-1])
    test.assertEqual(node.returncode, 0, result)
    test.assertEqual(result["reply"], "hello over tcp")
    await logout(bob)
    return hello, result


def node_missing():
    """Why the node clients cannot run here, or None. Every package package.json names
    must be in node_modules: one missing (a node_modules older than the lock) would make a
    client die at its first line and its test wait for a message that never comes."""
    if shutil.which("node") is None:
        return "node is not installed"
    with open(os.path.join(NODE_DIR, "package.json")) as f:
        wanted = json.load(f).get("dependencies", {})
    for package in wanted:
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", package)):
            return f"tests/e2e/node/node_modules has no {package} (scripts/install-deps runs npm ci)"
    return None


class NeedsNode:
    """A test class whose clients run under node: skipped, saying why, without it."""
    @classmethod
    def setUpClass(cls):
        missing = node_missing()
        if missing:
            raise unittest.SkipTest("skipped: " + missing)
        super().setUpClass()


class NodeCase(NeedsNode, ConfiguredWorldTest):
    # xmpp.js tries SCRAM-SHA-1 first when offered and, over SASL2, does not fall back to
    # PLAIN; accounts made by cl-useradd have no SCRAM verifiers yet: PLAIN only.
    extra_jabber_lines = "sasl_mechanisms = ['PLAIN']\n"

    def login(self, user, password="", client_id="e2e-phone", token=None, carbons_to=""):
        """One run of node/login.js; its JSON result. The secrets go in the environment."""
        env = dict(os.environ, XMPP_PORT=str(self.world.port), XMPP_USER=user, XMPP_PASSWORD=password,
                   XMPP_CLIENT_ID=client_id, XMPP_TOKEN=json.dumps(token) if token else "",
                   XMPP_CARBONS_TO=carbons_to,
                   NODE_EXTRA_CA_CERTS=os.path.join(self.world.dir, "c.pem"))
        r = subprocess.run(["node", "login.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=30)
        lines = r.stdout.strip().splitlines()
        self.assertTrue(lines, "login.js printed nothing: " + r.stderr)
        result = json.loads(lines[-1])
        result["exit"] = r.returncode
        return result


class Fast(NodeCase):
    """SASL2 (XEP-0388) with Bind2 (XEP-0386) and FAST (XEP-0484), as a phone would use them:
    a login with the password that asks for a token and sets up carbons and stream management
    inline; then logins with the token alone; the token refused to another client and once
    the account is locked or its password changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world.add_user("alice", "alice-pw")
        cls.world.add_user("bob", "bob-pw")

    def test_sasl2_bind2_and_fast(self):
        first = self.login("alice", "alice-pw", client_id="phone", carbons_to=f"bob@{HOST}")
        self.assertEqual(first["exit"], 0, first)
        self.assertIn("success urn:xmpp:sasl:2", first["elements"])
        self.assertNotIn("success urn:ietf:params:xml:ns:xmpp-sasl", first["elements"], "SASL2, not RFC 6120 SASL")
        # Bind2: the server made the resource from the tag; stream management and carbons inline.
        self.assertRegex(first["jid"], rf"^alice@{HOST}/node\.[0-9a-f]{{8}}$")
        self.assertIn('<bound xmlns="urn:xmpp:bind:0"><enabled xmlns="urn:xmpp:sm:3"', first["success"])
        self.assertTrue(first["sm"], first)
        self.assertTrue(first["carbon"], "the carbon copy of the other resource's message")
        # FAST: a token came with the password login.
        token = first["token"]
        self.assertEqual(token["mechanism"], "HT-SHA-256-NONE")
        self.assertGreater(len(token["token"]), 64)

        # The token alone, no password: one round trip, the server proves it knows the token too.
        again = self.login("alice", client_id="phone", token=token)
        self.assertEqual(again["exit"], 0, again)
        self.assertIn("<additional-data>", again["success"])
        self.assertNotIn("challenge urn:xmpp:sasl:2", again["elements"])
        self.assertTrue(again["jid"].startswith(f"alice@{HOST}/node."), again)
        self.assertNotIn(token["token"], self.world.server_log(), "a token is never logged")

        # Bound to its client.
        stolen = self.login("alice", client_id="laptop", token=token)
        self.assertEqual(stolen["exit"], 1, stolen)

        # The account locked with the real tool: its tokens die as the directory watch sees it.
        self.world.lock("alice")
        self.wait_for_revocation(1)
        self.assertEqual(self.login("alice", client_id="phone", token=token)["exit"], 1)
        self.world._tool("cl-usermod", "-U", "alice", "jabber")

        # A password change: the server's service identity may not read userPassword, so it
        # sees one as new SCRAM verifiers (authPassword, a fresh salt each time), which every
        # password change writes; written here by the manager as cl-passwd does.
        fresh = self.login("alice", "alice-pw", client_id="phone")
        self.assertEqual(fresh["exit"], 0, fresh)
        self.assertNotEqual(fresh["token"]["token"], token["token"])
        self.assertEqual(self.login("alice", client_id="phone", token=fresh["token"])["exit"], 0)
        self.set_verifier("alice", "a-new-password-2")
        self.wait_for_revocation(2)
        self.assertEqual(self.login("alice", client_id="phone", token=fresh["token"])["exit"], 1)

    def wait_for_revocation(self, count):
        deadline = time.monotonic() + 10
        while self.world.server_log().count("login token(s) of alice revoked") < count:
            self.assertLess(time.monotonic(), deadline, "no revocation in the server log")
            time.sleep(0.05)

    def set_verifier(self, name, password):
        """Replaces the account's authPassword with a SCRAM-SHA-256 verifier (RFC 5803)."""
        salt = os.urandom(16)
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 4096)
        stored = hashlib.sha256(hmac.new(salted, b"Client Key", hashlib.sha256).digest()).digest()
        server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        value = f"SCRAM-SHA-256$4096:{b64(salt)}${b64(stored)}:{b64(server)}"
        settings = self.world.ldap_settings()
        dn = f"uid={name},ou=Users,ou=Jabber,ou=Services,{settings['base_dn']}"
        modify = ["ldapmodify", "-Q", "-Y", "EXTERNAL", "-H", settings["uri"]]
        # RFC 3112's object class first (20: the entry has it already).
        r = subprocess.run(modify, input=f"dn: {dn}\nchangetype: modify\nadd: objectClass\n"
                           "objectClass: authPasswordObject\n", text=True, capture_output=True, timeout=30)
        self.assertIn(r.returncode, (0, 20), r.stderr)
        r = subprocess.run(modify, input=f"dn: {dn}\nchangetype: modify\nreplace: authPassword\n"
                           f"authPassword: {value}\n", text=True, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
