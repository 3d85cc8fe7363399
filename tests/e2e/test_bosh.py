"""XEP-0124/0206 BOSH at /http-bind on the HTTPS listener (http_port). The chat test's BOSH
client is Strophe.js (npm's strophe.js, its BOSH transport), run under node; slixmpp has no
BOSH transport. The raw tests send what no library would, over plain HTTPS requests, and
check the server goes on serving."""
import base64
import http.client
import json
import os
import re
import ssl
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import run  # noqa: E402
from harness import HOST  # noqa: E402
from test_node import NeedsNode, node_client_chats  # noqa: E402
from test_websocket import HttpsWorldTest  # noqa: E402

BIND = "xmlns='http://jabber.org/protocol/httpbind'"
XBOSH = "xmlns:xmpp='urn:xmpp:xbosh'"


class BoshChat(NeedsNode, HttpsWorldTest):
    """A directory user logs in over BOSH with Strophe.js and chats with a TCP slixmpp client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world.add_user("alice", "alice-pw")
        cls.world.add_user("bob", "bob-pw")

    def test_bosh_client_chats_with_tcp_client(self):
        env = dict(XMPP_BOSH_URL=f"https://localhost:{self.http_port}/http-bind", XMPP_JID=f"alice@{HOST}/strophe",
                   XMPP_PASSWORD="alice-pw", XMPP_PEER=f"bob@{HOST}",
                   NODE_EXTRA_CA_CERTS=os.path.join(self.world.dir, "c.pem"))
        hello, result = run(node_client_chats(self, "bosh.js", env, "hello over bosh"))
        self.assertEqual(str(hello["from"]), f"alice@{HOST}/strophe")
        self.assertEqual(result["jid"], f"alice@{HOST}/strophe")
        self.assertTrue(result["mechanism"].startswith("SCRAM-"), result)  # Strophe prefers SCRAM


class BoshRaw(HttpsWorldTest):
    """Bad rids, unknown sessions, oversized bodies: the right terminate or 4xx, and the
    server still serving afterwards."""

    def connection(self, timeout=10):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
        return http.client.HTTPSConnection("127.0.0.1", self.http_port, timeout=timeout, context=context)

    def post(self, body, method="POST", headers=None):
        """(status, headers, body) of one request on its own connection."""
        c = self.connection()
        try:
            c.request(method, "/http-bind", body=body.encode() if isinstance(body, str) else body,
                      headers={"Content-Type": "text/xml; charset=utf-8", **(headers or {})})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode(errors="replace")
        finally:
            c.close()

    def create(self, rid=1000):
        status, _, body = self.post(f"<body rid='{rid}' to='{HOST}' wait='2' hold='1' ver='1.11' "
                                    f"{BIND} {XBOSH} xmpp:version='1.0'/>")
        self.assertEqual(status, 200, body)
        sid = re.search(r"sid='([0-9a-f]+)'", body)
        self.assertIsNotNone(sid, body)
        return sid.group(1), body

    def test_session_creation_offers_sasl_with_the_terms(self):
        sid, body = self.create()
        self.assertIn("<mechanism>PLAIN</mechanism>", body)
        self.assertNotIn("starttls", body)
        self.assertIn("wait='2'", body)
        self.assertIn("requests='2'", body)
        self.assertIn(f"from='{HOST}'", body)
        # The client's terminate ends it; its sid is then unknown.
        status, _, bye = self.post(f"<body rid='1001' sid='{sid}' type='terminate' {BIND}/>")
        self.assertEqual(status, 200)
        self.assertIn("type='terminate'", bye)
        _, _, after = self.post(f"<body rid='1002' sid='{sid}' {BIND}/>")
        self.assertIn("condition='item-not-found'", after)

    def test_login_over_raw_bosh(self):
        self.world.add_user("carol", "carol-pw")
        sid, _ = self.create(rid=50)
        auth = base64.b64encode(b"\0carol\0carol-pw").decode()
        _, _, success = self.post(f"<body rid='51' sid='{sid}' {BIND}><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                                  f"mechanism='PLAIN'>{auth}</auth></body>")
        self.assertIn("<success", success)
        _, _, restarted = self.post(f"<body rid='52' sid='{sid}' to='{HOST}' {BIND} {XBOSH} xmpp:restart='true'/>")
        self.assertIn("urn:ietf:params:xml:ns:xmpp-bind", restarted)
        _, _, bound = self.post(f"<body rid='53' sid='{sid}' {BIND}><iq xmlns='jabber:client' type='set' id='b'>"
                                f"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>raw</resource></bind>"
                                f"</iq></body>")
        self.assertIn(f"<jid>carol@{HOST}/raw</jid>", bound)
        # A stanza over the stanza limit (64 KiB) ends the session as it ends a TCP stream.
        big = "<message xmlns='jabber:client' to='bob@localhost'><body>" + "x" * 70000 + "</body></message>"
        status, _, refused = self.post(f"<body rid='54' sid='{sid}' {BIND}>{big}</body>")
        self.assertEqual(status, 200)
        self.assertIn("condition='policy-violation'", refused)
        _, _, gone = self.post(f"<body rid='55' sid='{sid}' {BIND}/>")
        self.assertIn("condition='item-not-found'", gone)

    def test_rid_outside_the_window_terminates(self):
        sid, _ = self.create()
        status, _, body = self.post(f"<body rid='5000' sid='{sid}' {BIND}/>")
        self.assertEqual(status, 200)
        self.assertIn("type='terminate'", body)
        self.assertIn("condition='item-not-found'", body)
        _, _, after = self.post(f"<body rid='1001' sid='{sid}' {BIND}/>")
        self.assertIn("condition='item-not-found'", after)
        self.create()  # still serving

    def test_repeated_rid_gets_the_same_answer(self):
        sid, _ = self.create()
        first = self.post(f"<body rid='1001' sid='{sid}' {BIND}/>")  # held for wait (2 s)
        again = self.post(f"<body rid='1001' sid='{sid}' {BIND}/>")
        self.assertEqual(first[0], 200)
        self.assertEqual(again[2], first[2])

    def test_unknown_sid_is_item_not_found(self):
        status, headers, body = self.post(f"<body rid='7' sid='0123456789abcdef0123456789abcdef' {BIND}/>")
        self.assertEqual(status, 200)
        self.assertEqual(body, f"<body {BIND} type='terminate' condition='item-not-found'/>")
        self.assertEqual(headers.get("access-control-allow-origin"), "*")

    def test_bad_and_oversized_bodies_are_refused_and_the_server_lives_on(self):
        status, _, body = self.post("this is not XML")
        self.assertEqual(status, 400)
        self.assertIn("condition='bad-request'", body)
        status, _, body = self.post(f"<body rid='x' to='{HOST}' {BIND}/>")
        self.assertIn("condition='bad-request'", body)
        status, _, _ = self.post("<body " + BIND + ">" + " " * 200000 + "</body>")
        self.assertEqual(status, 413)
        status, _, _ = self.post("", method="GET")
        self.assertEqual(status, 405)
        self.create()

    def test_cors_preflight(self):
        status, headers, _ = self.post("", method="OPTIONS", headers={
            "Origin": "https://web.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(headers.get("access-control-allow-origin"), "*")
        self.assertIn("POST", headers.get("access-control-allow-methods", ""))
        self.assertIn("Content-Type", headers.get("access-control-allow-headers", ""))

    # XEP-0124 §9, §10, §11 against the real server.
    def test_acks_and_pause_up_to_maxpause(self):
        status, body = self.post(f"<body rid='2000' to='{HOST}' wait='2' hold='1' ack='1' ver='1.11' "
                                 f"{BIND} {XBOSH} xmpp:version='1.0'/>")[::2]
        self.assertEqual(status, 200, body)
        self.assertIn("maxpause='120'", body)
        self.assertIn("ack='2000'", body)  # the client asked for acknowledgements
        sid = re.search(r"sid='([0-9a-f]+)'", body).group(1)
        started = time.monotonic()
        _, _, paused = self.post(f"<body rid='2001' sid='{sid}' pause='60' {BIND}/>")
        self.assertLess(time.monotonic() - started, 1.5, "a pause is answered at once, not after wait")
        self.assertNotIn("terminate", paused)
        _, _, back = self.post(f"<body rid='2002' sid='{sid}' {BIND}/>")  # held for wait (2 s)
        self.assertNotIn("terminate", back)
        _, _, over = self.post(f"<body rid='2003' sid='{sid}' pause='121' {BIND}/>")
        self.assertIn("condition='policy-violation'", over)
        _, _, gone = self.post(f"<body rid='2004' sid='{sid}' {BIND}/>")
        self.assertIn("condition='item-not-found'", gone)

    def test_more_requests_at_once_than_requests_is_a_policy_violation(self):
        sid, _ = self.create()  # hold 1, requests 2
        answers = {}

        def send(rid):
            answers[rid] = self.post(f"<body rid='{rid}' sid='{sid}' {BIND}/>")[2]

        held = threading.Thread(target=send, args=(1001,))  # held for wait (2 s)
        held.start()
        time.sleep(0.3)
        ahead = threading.Thread(target=send, args=(1003,))  # waits for 1002
        ahead.start()
        time.sleep(0.3)
        send(1002)  # a third at once
        held.join(5)
        ahead.join(5)
        for rid in (1001, 1002, 1003):
            self.assertIn("condition='policy-violation'", answers.get(rid, ""), (rid, answers))
        self.create()  # still serving

    def test_polling_faster_than_polling_is_a_policy_violation(self):
        status, body = self.post(f"<body rid='3000' to='{HOST}' wait='2' hold='0' ver='1.11' "
                                 f"{BIND} {XBOSH} xmpp:version='1.0'/>")[::2]
        self.assertIn("requests='1'", body)
        self.assertIn("polling='2'", body)
        sid = re.search(r"sid='([0-9a-f]+)'", body).group(1)
        time.sleep(2.1)
        _, _, polite = self.post(f"<body rid='3001' sid='{sid}' {BIND}/>")
        self.assertNotIn("terminate", polite)
        _, _, eager = self.post(f"<body rid='3002' sid='{sid}' {BIND}/>")
        self.assertIn("condition='policy-violation'", eager)

    def test_host_meta_names_the_bosh_url(self):
        c = self.connection()
        try:
            c.request("GET", "/.well-known/host-meta.json", headers={"Host": f"localhost:{self.http_port}"})
            links = json.loads(c.getresponse().read())["links"]
        finally:
            c.close()
        self.assertIn({"rel": "urn:xmpp:alt-connections:xbosh",
                       "href": f"https://localhost:{self.http_port}/http-bind"}, links)


if __name__ == "__main__":
    unittest.main()
