// Logins with xmpp.js against cl-jabberd, driven by tests/e2e/test_node.py, which reads the
// JSON line this prints. The account and its secrets come in the environment, never on argv:
//   XMPP_PORT, XMPP_USER, XMPP_PASSWORD (may be empty), XMPP_CLIENT_ID (SASL2 user-agent id),
//   XMPP_TOKEN (a FAST token as JSON from an earlier run: {mechanism, token, expiry}),
//   XMPP_CARBONS_TO (a JID: a second resource of the account, logged in with the password,
//   sends it a message, and the first must get the carbon copy).
// It prints {jid, elements (what the server sent at top level, in order), success (the SASL2
// <success/> as XML), sm (stream management enabled), token (a FAST token the server
// issued), carbon (the copy arrived)} or {error, elements} and exits 1.
import "./node18.js";
import { client, xml } from "@xmpp/client";

const env = process.env;

function connect(resource, clientId, password, token) {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${env.XMPP_PORT}`,
    domain: "localhost",
    username: env.XMPP_USER,
    password: password || undefined,
    resource,
    userAgent: xml("user-agent", { id: clientId }, xml("software", {}, "jabberadmin e2e")),
  });
  xmpp.reconnect.stop();
  xmpp.received = [];
  xmpp.issued = null;
  xmpp.successXml = null;
  // Carbons (XEP-0280) inline in Bind2: xmpp.js asks only for what a plugin registers.
  xmpp.bind2.use("urn:xmpp:carbons:2", () => xml("enable", { xmlns: "urn:xmpp:carbons:2" }));
  if (token) xmpp.fast.saveToken(token);
  xmpp.fast.saveToken = async (t) => {
    xmpp.issued = t;
  };
  xmpp.on("element", (element) => {
    xmpp.received.push(`${element.name} ${element.attrs.xmlns || ""}`.trim());
    if (element.is("success", "urn:xmpp:sasl:2")) xmpp.successXml = element.toString();
  });
  xmpp.on("error", () => {});
  return xmpp;
}

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

const token = env.XMPP_TOKEN ? JSON.parse(env.XMPP_TOKEN) : null;
const first = connect("node", env.XMPP_CLIENT_ID, env.XMPP_PASSWORD, token);
const timer = setTimeout(() => finish({ error: "timed out", elements: first.received }, 1), 20000);
try {
  const address = await first.start();
  const result = {
    jid: address.toString(),
    elements: first.received,
    success: first.successXml,
    sm: first.streamManagement.enabled,
    token: first.issued,
  };
  if (env.XMPP_CARBONS_TO) {
    const carbon = new Promise((resolve) => {
      first.on("stanza", (stanza) => {
        if (stanza.is("message") && stanza.getChild("sent", "urn:xmpp:carbons:2")) resolve(true);
      });
    });
    const second = connect("other", env.XMPP_CLIENT_ID + "-other", env.XMPP_PASSWORD, null);
    await second.start();
    await second.send(xml("message", { to: env.XMPP_CARBONS_TO, type: "chat" }, xml("body", {}, "carbon test")));
    result.carbon = await Promise.race([carbon, new Promise((r) => setTimeout(() => r(false), 3000))]);
    await second.stop();
  }
  clearTimeout(timer);
  await first.stop();
  finish(result, 0);
} catch (err) {
  finish({ error: String(err && (err.condition || err.message || err)), elements: first.received }, 1);
}
