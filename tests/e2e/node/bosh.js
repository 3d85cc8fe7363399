// Strophe.js over XEP-0124/0206 BOSH against cl-jabberd, driven by tests/e2e/test_bosh.py:
// logs in (XMPP_BOSH_URL, XMPP_JID, XMPP_PASSWORD in the environment, never on argv) with
// SASL, binds, becomes available, sends "hello over bosh" to XMPP_PEER and waits for the
// peer's answer. Prints {jid, mechanism, reply} or {error} as one JSON line; exits 1 on failure.
import { Strophe, $msg, $pres } from "strophe.js";
import { DOMParser } from "@xmldom/xmldom";
import XHR2 from "xhr2";

// A browser gives Strophe XMLHttpRequest, with the response parsed as XML (responseXML).
// Node has none: npm's xhr2 (over node's https, which honours NODE_EXTRA_CA_CERTS) leaves
// responseXML out, so it is parsed here as a browser would.
class XMLHttpRequest extends XHR2 {
  get responseXML() {
    if (this.readyState !== 4 || !this.responseText) return null;
    return new DOMParser().parseFromString(this.responseText, "text/xml");
  }
}
globalThis.XMLHttpRequest = XMLHttpRequest;

const env = process.env;
// Strophe logs every request to stdout; the test reads the one JSON line printed last.
Strophe.setLogLevel(Strophe.LogLevel.ERROR);

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(code);
}

const timer = setTimeout(() => finish({ error: "timed out" }, 1), 30000);
const connection = new Strophe.Connection(env.XMPP_BOSH_URL);
connection.connect(env.XMPP_JID, env.XMPP_PASSWORD, (status, condition) => {
  if (status === Strophe.Status.CONNECTED) {
    connection.addHandler(
      (stanza) => {
        const body = stanza.getElementsByTagName("body")[0];
        if (!body) return true;
        clearTimeout(timer);
        // The SASL mechanism Strophe chose (its own pick among those the server offered).
        const result = { jid: connection.jid, mechanism: connection._sasl_mechanism?.mechname, reply: body.textContent };
        connection.disconnect();
        setTimeout(() => finish(result, 0), 500);
        return false;
      },
      null,
      "message",
    );
    connection.send($pres());
    connection.send($msg({ to: env.XMPP_PEER, type: "chat" }).c("body").t("hello over bosh"));
  } else if (status === Strophe.Status.AUTHFAIL || status === Strophe.Status.CONNFAIL ||
             status === Strophe.Status.ERROR) {
    finish({ error: `status ${status}: ${condition || ""}` }, 1);
  }
});
