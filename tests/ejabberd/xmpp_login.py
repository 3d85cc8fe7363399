#!/usr/bin/python3
"""A real XMPP client (slixmpp) for the ejabberd tests: logs in, prints what it saw as JSON.

Usage: xmpp_login.py JID PASSWORD HOST PORT [--direct-tls] [--vcard JID]...   (PASSWORD '-' = stdin)
Exit: 0 logged in (JSON on stdout: roster items with names and groups, vCards asked for),
      3 authentication refused, 4 timed out, 2 any other failure.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys

import slixmpp


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, vcards):
        super().__init__(jid, password)
        self.vcards = vcards
        self.result = {"status": None}
        self.done = asyncio.Event()
        # The generated certificate is self-signed: the test checks config, not the PKI.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0054")
        self.add_event_handler("session_start", self.on_session)
        self.add_event_handler("failed_all_auth", self.on_failed)
        self.add_event_handler("disconnected", self.on_disconnected)

    async def on_session(self, _event):
        try:
            await self.get_roster(timeout=10)
            roster = {}
            for jid in self.client_roster:
                item = self.client_roster[jid]
                roster[jid] = {"name": item["name"], "groups": sorted(item["groups"]),
                               "subscription": item["subscription"]}
            self.result["roster"] = roster
            cards = {}
            for jid in self.vcards:
                iq = await self["xep_0054"].get_vcard(jid, cached=False, timeout=10)
                card = iq["vcard_temp"]
                cards[jid] = {"nickname": card["NICKNAME"], "fn": card["FN"],
                              "photo_bytes": len(card["PHOTO"]["BINVAL"] or b""),
                              "photo_type": card["PHOTO"]["TYPE"]}
            self.result["vcards"] = cards
            self.result["status"] = "ok"
        except Exception as e:  # noqa: BLE001 - reported to the test as is
            self.result["status"] = "error"
            self.result["error"] = repr(e)
        self.disconnect()
        self.done.set()

    def on_failed(self, _event):
        self.result["status"] = "auth-failed"
        self.disconnect()
        self.done.set()

    def on_disconnected(self, _event):
        if self.result["status"] is None:
            self.result["status"] = "disconnected"
        self.done.set()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("jid")
    parser.add_argument("password")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--vcard", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--direct-tls", action="store_true", help="TLS from the first byte (port 5223)")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n") if args.password == "-" else args.password
    client = Client(args.jid, password, args.vcard)
    client.connect(address=(args.host, args.port), use_ssl=args.direct_tls)
    try:
        await asyncio.wait_for(client.done.wait(), args.timeout)
    except asyncio.TimeoutError:
        client.result["status"] = "timeout"
        client.disconnect()
    print(json.dumps(client.result, ensure_ascii=False, sort_keys=True))
    return {"ok": 0, "auth-failed": 3, "timeout": 4}.get(client.result["status"], 2)


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.run(main()))
