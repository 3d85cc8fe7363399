#!/usr/bin/python3
"""What a browser or a web client sees on ejabberd's HTTPS listener, as JSON, for the ejabberd tests.

Usage: web_check.py get PORT HOST PATH...
         one GET per path: {"PATH": {"status": N, "type": "...", "cors": "...", "body": "..."}}
       web_check.py ws-login PORT HOST USER PATH
         (password on stdin) RFC 7395 WebSocket at PATH, SASL PLAIN, resource binding:
         {"opened": bool, "authenticated": bool, "bound_jid": "...", "error": "..."}
Raw HTTP on purpose: the test checks the URLs ejabberd writes, not what a library makes of them.
"""
import base64
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import websocket_raw  # noqa: E402  (the e2e tests' RFC 6455 client)

import http.client  # noqa: E402
import ssl  # noqa: E402


def get(port, host, paths):
    out = {}
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # cl-setup's self-signed certificate
    for path in paths:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        try:
            conn.request("GET", path, headers={"Host": f"{host}:{port}"})  # a served host, as a browser
            r = conn.getresponse()
            body = r.read()
            out[path] = {"status": r.status, "type": r.getheader("Content-Type", ""),
                         "cors": r.getheader("Access-Control-Allow-Origin", ""),
                         "body": body.decode(errors="replace")}
        except Exception as e:  # reported, not raised: the test prints it
            out[path] = {"status": 0, "error": repr(e)}
        finally:
            conn.close()
    return out


def ws_login(port, host, user, password, path):
    result = {"opened": False, "authenticated": False, "bound_jid": ""}
    ws = websocket_raw.WebSocket(port, path=path)
    if " 101 " not in ws.head.splitlines()[0]:
        result["error"] = ws.head.splitlines()[0]
        return result

    def until(pattern):
        text = ""
        while not re.search(pattern, text):
            frame = ws.receive()
            if isinstance(frame, tuple):
                raise RuntimeError(f"closed ({frame[1]}) after: {text}")
            text += frame
        return text

    opening = f"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='{host}' version='1.0'/>"
    ws.send(opening)
    until(r"</stream:features>|</features>")
    result["opened"] = True
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    ws.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
    answer = until(r"<success|<failure")
    if "<success" not in answer:
        result["error"] = answer
        return result
    result["authenticated"] = True
    ws.send(opening)
    until(r"</stream:features>|</features>")
    ws.send("<iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>web</resource></bind></iq>")
    bound = until(r"</jid>|type=.error.")
    m = re.search(r"<jid>([^<]*)</jid>", bound)
    result["bound_jid"] = m.group(1) if m else ""
    ws.send("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>")
    return result


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "get":
        print(json.dumps(get(int(sys.argv[2]), sys.argv[3], sys.argv[4:])))
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "ws-login":
        password = sys.stdin.readline().rstrip("\n")
        try:
            print(json.dumps(ws_login(int(sys.argv[2]), sys.argv[3], sys.argv[4], password, sys.argv[5])))
        except Exception as e:
            print(json.dumps({"opened": False, "authenticated": False, "error": repr(e)}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
