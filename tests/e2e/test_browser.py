"""The web client cl-jabberd serves at https://<host>:<http_port>/ (Converse.js, fetched by
scripts/fetch-webclient) in a real browser: Debian's Chromium, headless, driven by
node/browser.js (puppeteer-core). A directory user logs in through the login form, sees the
shared directory group with its members, chats with a member logged in over TCP with
slixmpp, and sends that member a picture with the chat's file button (XEP-0363), which the
member fetches byte for byte from the URL it got. The screenshots stay in <build>/tests/artifacts/. Skipped, saying why, without
node's packages, Chromium or the fetched web client (scripts/install-deps brings all three).
WebClientHttp checks the static serving itself with raw requests, and needs none of them.
"""
import asyncio
import json
import os
import shutil
import ssl
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout, next_item, run  # noqa: E402
from common import ConfiguredWorldTest  # noqa: E402
from harness import BUILD_DIR, HOST, free_port  # noqa: E402
from test_node import NODE_DIR, NeedsNode  # noqa: E402
import websocket_raw  # noqa: E402

# Debian's chromium, or the browser $CHROMIUM names.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WEB_CLIENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "webclient", "dist")
ARTIFACTS = os.path.join(os.path.abspath(BUILD_DIR), "tests", "artifacts")
GROUP = "Staff"
# Whole, without "..": Chromium refuses to read a file whose path climbs (ERR_ACCESS_DENIED).
PICTURE = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", "data", "images", "photo.jpg"))


def https_get(url):
    """The bytes at url, from the test server (its self-signed certificate)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url, context=context, timeout=10) as answer:
        return answer.read()


def browser_missing():
    """Why the browser test cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; scripts/install-deps installs it)"
    if not os.path.isfile(os.path.join(WEB_CLIENT_DIR, "converse.min.js")):
        return "webclient/dist has no Converse.js (scripts/fetch-webclient, run by scripts/install-deps)"
    return None


class WebClient(NeedsNode, ConfiguredWorldTest):
    """Converse.js in Chromium against cl-jabberd, with a slixmpp member answering over TCP."""

    @classmethod
    def setUpClass(cls):
        missing = browser_missing()
        if missing:
            raise unittest.SkipTest("skipped: " + missing)
        cls.http_port = free_port()
        cls.extra_jabber_lines = (f"http_port = {cls.http_port}\n"
                                  f"web_client_dir = '{os.path.abspath(WEB_CLIENT_DIR)}'\n")
        super().setUpClass()
        cls.world._tool("cl-groupadd", GROUP, "jabber")
        for name in ("alice", "bob", "carol"):
            cls.world._tool("cl-useradd", "-P", "--allow-short-password", "-g", GROUP, name, "jabber",
                            input=name + "-pw\n")

    def test_login_roster_and_chat_in_the_browser(self):
        alice, bob, carol = (f"{n}@{HOST}" for n in ("alice", "bob", "carol"))

        async def scenario():
            picture = None
            bob_client, ok = await login(bob + "/slixmpp", "bob-pw", self.world.port)
            self.assertIs(ok, True)
            bob_client.send_presence()
            # The page's origin is the upload URLs' (https://<host>:<http_port>), as on a real server:
            # the page's policy lets it talk to its own origin only.
            env = dict(os.environ, WEB_URL=f"https://{HOST}:{self.http_port}/", UPLOAD_FILE=PICTURE,
                       WEB_CERT=os.path.join(self.world.dir, "c.pem"), CHROMIUM=CHROMIUM,
                       XMPP_USER=alice, XMPP_PASSWORD="alice-pw", XMPP_GROUP=GROUP,
                       XMPP_MEMBERS=",".join((alice, bob, carol)), XMPP_PEER=bob, ARTIFACTS=ARTIFACTS)
            node = await asyncio.create_subprocess_exec("node", "browser.js", cwd=NODE_DIR, env=env,
                                                        stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.PIPE)
            finished = asyncio.ensure_future(node.communicate())
            try:
                # The browser's message reaches the TCP client; the reply goes back to its session.
                # A browser.js that fails first says why at once (below), not after a timeout.
                hello = asyncio.ensure_future(
                    next_item(bob_client.received, lambda m: m["body"] == "hello from the browser", timeout=60))
                await asyncio.wait({hello, finished}, return_when=asyncio.FIRST_COMPLETED)
                if not hello.done():
                    hello.cancel()
                message = hello.result() if hello.done() and not hello.cancelled() and not hello.exception() else None
                if message is not None:
                    shared = asyncio.ensure_future(
                        next_item(bob_client.received, lambda m: "/upload/" in m["body"], timeout=60))
                    bob_client.send_message(mto=message["from"], mbody="hello from slixmpp", mtype="chat")
                    await asyncio.wait({shared, finished}, return_when=asyncio.FIRST_COMPLETED)
                    if shared.done() and not shared.exception():
                        picture = await asyncio.to_thread(https_get, shared.result()["body"].strip())
                    else:
                        shared.cancel()
                await asyncio.wait({finished}, timeout=60)
            finally:
                if node.returncode is None:
                    node.kill()
            out, err = await finished
            await logout(bob_client)
            return out.decode(), err.decode(), node.returncode, message, picture

        out, err, code, message, picture = run(scenario(), timeout=180)
        lines = out.strip().splitlines()
        self.assertTrue(lines, "browser.js printed nothing: " + err)
        result = json.loads(lines[-1])
        for path in result.get("screenshots", []):
            print("screenshot:", path)
        self.assertEqual(code, 0, json.dumps(result, indent=1) + err)
        self.assertIsNotNone(message, "the TCP client got no message from the browser")
        self.assertEqual(message["from"].bare, alice)
        self.assertTrue(message["from"].resource, "a full JID: the browser's session")
        steps = {s["step"]: s for s in result["steps"]}
        self.assertEqual(steps["roster"]["group"], GROUP)
        self.assertEqual(steps["roster"]["members"], sorted((bob, carol)))
        self.assertIn("hello from the browser", steps["chat"]["shown"])
        self.assertIn("hello from slixmpp", steps["chat"]["shown"])
        # The picture the browser sent reaches the other side, byte for byte, from the URL shown.
        with open(PICTURE, "rb") as f:
            self.assertEqual(picture, f.read(), "the uploaded picture, fetched by the TCP client")
        self.assertIn("/upload/", steps["upload"]["url"])
        self.assertEqual(result["problems"], [])
        for name in ("webclient-roster.png", "webclient-chat.png", "webclient-upload.png"):
            path = os.path.join(ARTIFACTS, name)
            self.assertIn(path, result["screenshots"])
            self.assertGreater(os.path.getsize(path), 10000, f"{path}: an empty page?")


class WebClientHttp(ConfiguredWorldTest):
    """The web client's files over the real HTTPS listener, with raw requests: the page, types,
    HEAD, the ways out of the directory refused. Needs no browser: a directory made here."""

    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.mkdtemp(prefix="ja-webclient-")
        root = os.path.join(cls.files, "root")
        os.makedirs(os.path.join(root, "locales"))
        for name, text in (("converse.min.js", "converse();"), ("converse.min.css", "body{}"),
                           ("locales/de.js", "de"), (".secret", "hidden")):
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        with open(os.path.join(cls.files, "outside.txt"), "w") as f:
            f.write("outside")
        os.symlink(os.path.join(cls.files, "outside.txt"), os.path.join(root, "link.js"))
        cls.http_port = free_port()
        cls.extra_jabber_lines = f"http_port = {cls.http_port}\nweb_client_dir = '{root}'\n"
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.files, ignore_errors=True)

    def ask(self, method, path):
        answer = websocket_raw.request(self.http_port, f"{method} {path} HTTP/1.1\r\nHost: localhost:{self.http_port}\r\n"
                                                       "Connection: close\r\n\r\n")
        head, _, body = answer.partition("\r\n\r\n")
        lines = head.split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        return int(lines[0].split()[1]), fields, body

    def test_page_files_and_refusals(self):
        status, fields, body = self.ask("GET", "/")
        self.assertEqual(status, 200)
        self.assertEqual(fields["content-type"], "text/html; charset=utf-8")
        self.assertEqual(fields["x-content-type-options"], "nosniff")
        self.assertIn("script-src 'self';", fields["content-security-policy"])
        self.assertIn('src="/dist/converse.min.js"', body)
        status, fields, body = self.ask("GET", "/config.js")
        self.assertIn(f"default_domain: '{HOST}',", body)
        status, fields, body = self.ask("GET", "/dist/converse.min.js")
        self.assertEqual((status, fields["content-type"], body), (200, "text/javascript; charset=utf-8", "converse();"))
        self.assertEqual(fields["cache-control"], "public, max-age=3600")
        status, fields, body = self.ask("HEAD", "/dist/converse.min.css")
        self.assertEqual((status, fields["content-type"], fields["content-length"], body),
                         (200, "text/css; charset=utf-8", "6", ""))
        for path in ("/dist/../../outside.txt", "/dist/%2e%2e/outside.txt", "/dist/%2E%2E%2Foutside.txt",
                     "/dist/link.js", "/dist/.secret", "/dist/locales/..%2f..%2f..%2foutside.txt", "/nothing"):
            status, fields, body = self.ask("GET", path)
            self.assertEqual(status, 404, path)
            self.assertNotIn("outside", body, path)
        self.assertEqual(self.ask("POST", "/")[0], 405)
        # The server's own paths still win over the web client's "/".
        self.assertEqual(self.ask("GET", "/.well-known/host-meta.json")[0], 200)


if __name__ == "__main__":
    unittest.main()
