"""The HTTPS listener (http_port): RFC 7395 XMPP over WebSocket, XEP-0156 discovery, and the
limits that keep a bad or slow client from hurting it. The WebSocket client of the chat test
is xmpp.js (npm's @xmpp/client, its websocket transport), run under node; the raw tests use
websocket_raw.py to send what no library would."""
import base64
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from client import run  # noqa: E402
from common import ConfiguredWorldTest  # noqa: E402
from harness import HOST, free_port  # noqa: E402
from test_node import NeedsNode, node_client_chats  # noqa: E402
import websocket_raw  # noqa: E402

FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"


class HttpsWorldTest(ConfiguredWorldTest):
    more_jabber_lines = ""

    @classmethod
    def setUpClass(cls):
        cls.http_port = free_port()
        cls.extra_jabber_lines = f"http_port = {cls.http_port}\n" + cls.more_jabber_lines
        super().setUpClass()


class WebSocketChat(NeedsNode, HttpsWorldTest):
    """A directory user logs in over WebSocket with xmpp.js and chats with a TCP slixmpp client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world.add_user("alice", "alice-pw")
        cls.world.add_user("bob", "bob-pw")

    def test_websocket_client_chats_with_tcp_client(self):
        env = dict(XMPP_WS_URL=f"wss://localhost:{self.http_port}/xmpp-websocket", XMPP_USER="alice",
                   XMPP_PASSWORD="alice-pw", XMPP_PEER=f"bob@{HOST}",
                   NODE_EXTRA_CA_CERTS=os.path.join(self.world.dir, "c.pem"))
        hello, result = run(node_client_chats(self, "websocket.js", env, "hello over websocket", timeout=20))
        self.assertEqual(hello["from"].bare, f"alice@{HOST}")
        # Bind2 (XEP-0386), as xmpp.js logs in: the resource made from its tag.
        self.assertRegex(hello["from"].resource, r"^browser\.[0-9a-f]{8}$")
        self.assertEqual(result["jid"], str(hello["from"]))


class HttpsListener(HttpsWorldTest):
    """Discovery, refusals and limits, with raw requests and frames."""

    def get(self, path, extra=""):
        return websocket_raw.request(self.http_port, f"GET {path} HTTP/1.1\r\nHost: localhost:{self.http_port}\r\n"
                                                     f"{extra}Connection: close\r\n\r\n")

    def test_host_meta_names_the_websocket_endpoint(self):
        url = f"wss://localhost:{self.http_port}/xmpp-websocket"
        xrd = self.get("/.well-known/host-meta")
        self.assertTrue(xrd.startswith("HTTP/1.1 200"), xrd)
        self.assertIn("application/xrd+xml", xrd)
        self.assertIn(f"<Link rel='urn:xmpp:alt-connections:websocket' href='{url}'/>", xrd)
        body = self.get("/.well-known/host-meta.json")
        self.assertTrue(body.startswith("HTTP/1.1 200"), body)
        links = json.loads(body.split("\r\n\r\n", 1)[1])["links"]
        self.assertIn({"rel": "urn:xmpp:alt-connections:websocket", "href": url}, links)

    def test_unknown_path_is_404(self):
        self.assertTrue(self.get("/nothing-here").startswith("HTTP/1.1 404"))

    def test_garbage_is_400_and_the_server_lives_on(self):
        answer = websocket_raw.request(self.http_port, "NOT HTTP AT ALL\r\n\r\n")
        self.assertTrue(answer.startswith("HTTP/1.1 400"), answer)
        self.assertTrue(self.get("/.well-known/host-meta").startswith("HTTP/1.1 200"))

    def test_oversized_header_is_431(self):
        answer = self.get("/.well-known/host-meta", "X-Filler: " + "a" * 20000 + "\r\n")
        self.assertTrue(answer.startswith("HTTP/1.1 431"), answer[:200])

    def test_oversized_body_is_413(self):
        # Over the body limit of the paths without one of their own: 64 KiB.
        answer = websocket_raw.request(self.http_port, "POST /.well-known/host-meta HTTP/1.1\r\nHost: localhost\r\n"
                                                       "Content-Length: 70000\r\n\r\n" + "a" * 1000)
        self.assertTrue(answer.startswith("HTTP/1.1 413"), answer[:200])

    def test_chunked_body_is_411_even_split_at_its_last_chunk(self):
        # A chunked body whose last chunk comes as "0\r\n", "\r", "\n", three TLS records
        # read apart: Boost 1.74's Beast asserts on the second piece (boostorg/beast#2861),
        # which would abort a build with assertions. No route takes a chunked body, so the
        # listener refuses one on its header, before Beast reads any chunk.
        s = websocket_raw.tls_socket(self.http_port)
        answer = b""
        try:
            for piece in (b"POST /.well-known/host-meta HTTP/1.1\r\nHost: localhost\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n0\r\n", b"\r", b"\n"):
                s.sendall(piece)
                # Each piece its own read on the server's side; what it answered is read
                # now, before a reset for the unread pieces could discard it.
                s.settimeout(1)
                try:
                    while chunk := s.recv(65536):
                        answer += chunk
                    break  # closed
                except socket.timeout:
                    pass
        except OSError:
            pass  # closed after its answer, or gone
        finally:
            s.close()
        self.assertTrue(self.get("/.well-known/host-meta").startswith("HTTP/1.1 200"), "the server died")
        self.assertTrue(answer.startswith(b"HTTP/1.1 411"), answer[:200])

    def test_handshake_without_xmpp_subprotocol_is_refused(self):
        ws = websocket_raw.WebSocket(self.http_port, protocol=None)
        try:
            self.assertTrue(ws.head.startswith("HTTP/1.1 400"), ws.head)
            self.assertNotIn("101", ws.head.split("\r\n")[0])
        finally:
            ws.close()
        ws = websocket_raw.WebSocket(self.http_port, protocol="chat")
        try:
            self.assertTrue(ws.head.startswith("HTTP/1.1 400"), ws.head)
        finally:
            ws.close()

    def test_slow_header_is_cut(self):
        # A slowloris: one byte a second, never a whole header. Cut within the request
        # timeout (10 s), not kept for as long as it trickles.
        s = websocket_raw.tls_socket(self.http_port, timeout=20)
        started = time.monotonic()
        cut = None
        try:
            for ch in "GET /.well-known/host-meta HTTP/1.1\r\nX-Slow: " + "a" * 40:
                s.sendall(ch.encode())
                time.sleep(1)
        except OSError:
            cut = time.monotonic() - started
        finally:
            s.close()
        self.assertIsNotNone(cut, "the server kept a client that sent one byte a second")
        self.assertLess(cut, 15)

    def open_stream(self):
        ws = websocket_raw.WebSocket(self.http_port)
        self.assertTrue(ws.head.startswith("HTTP/1.1 101"), ws.head)
        self.assertIn("Sec-WebSocket-Protocol: xmpp", ws.head)
        ws.send(f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>")
        opened = ws.receive()
        self.assertTrue(opened.startswith(f"<open xmlns='{FRAMING}'"), opened)
        features = ws.receive()
        return ws, features

    def test_websocket_stream_offers_sasl_and_no_starttls(self):
        ws, features = self.open_stream()
        try:
            self.assertIn("xmlns:stream='http://etherx.jabber.org/streams'", features)
            self.assertIn("<mechanism>PLAIN</mechanism>", features)
            self.assertNotIn("starttls", features)
            ws.send(f"<close xmlns='{FRAMING}'/>")
            self.assertEqual(ws.receive(), f"<close xmlns='{FRAMING}'/>")
        finally:
            ws.close()

    def test_frame_over_the_stanza_limit_is_policy_violation(self):
        self.world.add_user("carol", "carol-pw")
        ws, _ = self.open_stream()
        try:
            ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                    base64.b64encode(b"\0carol\0carol-pw").decode() + "</auth>")
            self.assertIn("<success", ws.receive())
            ws.send(f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>")
            self.assertIn("<open", ws.receive())
            self.assertIn("<bind", ws.receive())
            ws.send(f"<message to='bob@{HOST}'><body>" + "x" * 70000 + "</body></message>")
            out = ws.messages_until_close()
            self.assertTrue(any("<policy-violation" in m for m in out if isinstance(m, str)), out)
            self.assertIn(f"<close xmlns='{FRAMING}'/>", out)
        finally:
            ws.close()

    def test_frame_far_over_the_limit_is_refused_by_the_websocket_layer(self):
        ws, _ = self.open_stream()
        try:
            # Refused on the frame's announced length: the server need not read it (nor may the
            # client count on being able to send it all).
            ws.send("<message><body>" + "x" * 1000, declared=200000)
            out = ws.messages_until_close()
            self.assertIn(("close", 1009), out)
        finally:
            ws.close()


class HttpConnectionCap(HttpsWorldTest):
    """http_max_connections caps connections that speak HTTP; a WebSocket leaves the count
    when it upgrades (it is a client stream then, under the c2s limits)."""

    more_jabber_lines = "http_max_connections = 3\n"

    def host_meta_answers(self):
        try:
            answer = websocket_raw.request(self.http_port, f"GET /.well-known/host-meta HTTP/1.1\r\n"
                                                           f"Host: localhost\r\nConnection: close\r\n\r\n")
        except OSError:
            return False
        return answer.startswith("HTTP/1.1 200")

    def eventually_answers(self):
        # A closed connection leaves the count once the server has seen it close.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.host_meta_answers():
                return True
            time.sleep(0.1)
        return False

    def test_upgraded_websockets_do_not_count(self):
        streams = []
        try:
            for _ in range(5):  # more than the cap
                ws = websocket_raw.WebSocket(self.http_port)
                streams.append(ws)
                self.assertTrue(ws.head.startswith("HTTP/1.1 101"), ws.head)
                ws.send(f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>")
                self.assertTrue(ws.receive().startswith("<open"))
            self.assertTrue(self.eventually_answers(), "five WebSocket streams took the HTTP slots")
        finally:
            for ws in streams:
                ws.close()

    def test_idle_connections_past_the_cap_are_closed(self):
        self.assertTrue(self.eventually_answers())
        held = [websocket_raw.tls_socket(self.http_port) for _ in range(3)]
        try:
            self.assertFalse(self.host_meta_answers(), "a fourth HTTP connection was served past the cap of 3")
        finally:
            for s in held:
                s.close()
        self.assertTrue(self.eventually_answers(), "the cap's slots were not given back")


class SlowReader(HttpsWorldTest):
    """A client that asks and never reads: the server drops it, and lives on."""

    more_jabber_lines = "stanza_rate = 0\nbyte_rate = 0\n"  # its requests come as fast as it sends them

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.world.add_user("dave", "dave-pw")

    def logged_in(self, receive_buffer=None):
        ws = websocket_raw.WebSocket(self.http_port, receive_buffer=receive_buffer)
        ws.send(f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>")
        ws.receive(), ws.receive()
        ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                base64.b64encode(b"\0dave\0dave-pw").decode() + "</auth>")
        self.assertIn("<success", ws.receive())
        ws.send(f"<open xmlns='{FRAMING}' to='{HOST}' version='1.0'/>")
        ws.receive(), ws.receive()
        ws.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        self.assertIn("<jid>", ws.receive())
        return ws

    def test_a_client_that_does_not_read_is_dropped_while_a_write_is_under_way(self):
        # The server's answers pile up behind a 4 KiB receive window until they pass the
        # output limit (1 MiB): it drops the client while its last write still waits for the
        # socket. That write's buffer must outlive the drop (it was freed under it once, and
        # the write's completion then took a message off an empty queue: a double free).
        ws = self.logged_in(receive_buffer=4096)
        try:
            try:
                for i in range(30000):  # 30,000 answers of about 1 KiB each: more than the sockets hold
                    ws.send(f"<iq type='get' id='d{i}' to='{HOST}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
            except OSError:
                pass  # dropped already: what the test wants
            time.sleep(5)  # the server answers them all
        finally:
            ws.close()
        self.assertIsNone(self.world.server.poll(), "cl-jabberd died")
        ws = self.logged_in()  # and it still serves
        ws.close()
        with open(self.world.log_path) as log:
            self.assertIn("client does not read; dropping the connection", log.read())


if __name__ == "__main__":
    unittest.main()
