// One login with xmpp.js against cl-jabberd, driven by tests/e2e/test_node.py, which reads the
// JSON line this prints. The account and its secrets come in the environment, never on argv:
//   XMPP_PORT, XMPP_USER, XMPP_PASSWORD (may be empty), XMPP_CLIENT_ID (SASL2 user-agent id),
//   XMPP_TOKEN (a FAST token as JSON, from an earlier run: {mechanism, token, expiry}).
// It prints {jid, elements (the names of what the server sent at top level, in order),
// token (a FAST token the server issued, if any)} or {error} and exits 1.
import "./node18.js";
import { client, xml } from "@xmpp/client";

const env = process.env;
const received = [];
let issued = null;

const xmpp = client({
  service: `xmpp://127.0.0.1:${env.XMPP_PORT}`,
  domain: "localhost",
  username: env.XMPP_USER,
  password: env.XMPP_PASSWORD || undefined,
  resource: "node",
  userAgent: xml("user-agent", { id: env.XMPP_CLIENT_ID }, xml("software", {}, "jabberadmin e2e")),
});
xmpp.reconnect.stop();
if (env.XMPP_TOKEN) xmpp.fast.saveToken(JSON.parse(env.XMPP_TOKEN));
xmpp.fast.saveToken = async (token) => {
  issued = token;
};
xmpp.on("element", (element) => received.push(`${element.name} ${element.attrs.xmlns || ""}`.trim()));
xmpp.on("error", () => {});

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

const timer = setTimeout(() => finish({ error: "timed out", elements: received }, 1), 15000);
try {
  const address = await xmpp.start();
  clearTimeout(timer);
  await xmpp.stop();
  finish({ jid: address.toString(), elements: received, token: issued }, 0);
} catch (err) {
  finish({ error: String(err && (err.condition || err.message || err)), elements: received }, 1);
}
