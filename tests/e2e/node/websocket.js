// xmpp.js over RFC 7395 WebSocket against cl-jabberd, driven by tests/e2e/test_websocket.py:
// logs in (XMPP_WS_URL, XMPP_USER, XMPP_PASSWORD in the environment, never on argv),
// becomes available, sends "hello over websocket" to XMPP_PEER and waits for the peer's
// answer. Prints {jid, reply} or {error} as one JSON line; exits 1 on failure.
import "./node18.js";
import { WebSocket as NodeWebSocket } from "ws";
import { client, xml } from "@xmpp/client";

// Node before 22 has no global WebSocket: npm's ws (honours NODE_EXTRA_CA_CERTS).
if (!globalThis.WebSocket) globalThis.WebSocket = NodeWebSocket;

const env = process.env;
const xmpp = client({
  service: env.XMPP_WS_URL,
  domain: "localhost",
  username: env.XMPP_USER,
  password: env.XMPP_PASSWORD,
  resource: "browser",
});
xmpp.reconnect.stop();
xmpp.on("error", () => {});

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

const timer = setTimeout(() => finish({ error: "timed out" }, 1), 20000);
try {
  const reply = new Promise((resolve) => {
    xmpp.on("stanza", (stanza) => {
      if (stanza.is("message") && stanza.getChildText("body")) resolve(stanza.getChildText("body"));
    });
  });
  const address = await xmpp.start();
  await xmpp.send(xml("presence"));
  await xmpp.send(xml("message", { to: env.XMPP_PEER, type: "chat" }, xml("body", {}, "hello over websocket")));
  const body = await reply;
  clearTimeout(timer);
  await xmpp.stop();
  finish({ jid: address.toString(), reply: body }, 0);
} catch (err) {
  finish({ error: String(err && (err.condition || err.message || err)) }, 1);
}
