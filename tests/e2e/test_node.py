"""End-to-end with xmpp.js (npm's @xmpp/client, pinned in node/package-lock.json), a client
that speaks SASL2 (XEP-0388), Bind2 (XEP-0386) and FAST (XEP-0484) when a server offers them.
Skipped when node or node/node_modules is missing (scripts/install-deps runs npm ci).
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from common import ConfiguredWorldTest  # noqa: E402
from harness import HOST  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


def node_missing():
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@xmpp", "client")):
        return "tests/e2e/node/node_modules is missing (scripts/install-deps runs npm ci)"
    return None


class NodeCase(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        missing = node_missing()
        if missing:
            raise unittest.SkipTest("skipped: " + missing)
        super().setUpClass()

    def login(self, user, password="", client_id="e2e-phone", token=None):
        """One run of node/login.js; its JSON result. The secrets go in the environment."""
        env = dict(os.environ, XMPP_PORT=str(self.world.port), XMPP_USER=user, XMPP_PASSWORD=password,
                   XMPP_CLIENT_ID=client_id, XMPP_TOKEN=json.dumps(token) if token else "",
                   NODE_EXTRA_CA_CERTS=os.path.join(self.world.dir, "c.pem"))
        r = subprocess.run(["node", "login.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=30)
        lines = r.stdout.strip().splitlines()
        self.assertTrue(lines, "login.js printed nothing: " + r.stderr)
        result = json.loads(lines[-1])
        result["exit"] = r.returncode
        return result


class PlainLogin(NodeCase):
    """What xmpp.js does against the server as it is: RFC 6120 SASL PLAIN and resource binding."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world.add_user("alice", "alice-pw")

    def test_logs_in_with_plain_and_binds(self):
        result = self.login("alice", "alice-pw")
        self.assertEqual(result["exit"], 0, result)
        self.assertTrue(result["jid"].startswith(f"alice@{HOST}/"), result)
        self.assertIn("success urn:ietf:params:xml:ns:xmpp-sasl", result["elements"])

    def test_a_wrong_password_is_refused(self):
        result = self.login("alice", "wrong")
        self.assertEqual(result["exit"], 1, result)
        self.assertIn("not-authorized", result["error"])


if __name__ == "__main__":
    unittest.main()
