#!/usr/bin/python3
"""A real XMPP client (slixmpp) for the ejabberd tests: logs in, prints what it saw as JSON.

Usage: xmpp_login.py JID PASSWORD HOST PORT [--direct-tls] [--vcard JID]... [--send-bytes N] [--commands]
                     [--set-vcard] [--muc ROOM-JID]
       (PASSWORD '-' = stdin)
Exit: 0 logged in (JSON on stdout: roster items with names and groups, vCards asked for),
      3 authentication refused, 4 timed out, 2 any other failure.
"""
import argparse
import asyncio
import json
import logging
import ssl
import sys
import xml.etree.ElementTree as ET

import slixmpp


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, vcards, send_bytes=0):
        super().__init__(jid, password)
        self.vcards = vcards
        self.send_bytes = send_bytes
        self.sending = False
        self.closed = asyncio.Event()
        self.result = {"status": None}
        self.done = asyncio.Event()
        # The generated certificate is self-signed: the test checks config, not the PKI.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0054")
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0045")
        self.register_plugin("xep_0313")
        self.list_commands = False
        self.extdisco = False
        self.muc_room = None
        self.set_vcard = False
        self.add_event_handler("session_start", self.on_session)
        self.add_event_handler("failed_all_auth", self.on_failed)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.add_event_handler("stream_error", self.on_stream_error)

    def on_stream_error(self, error):
        self.result["stream_error"] = error["condition"]

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
            if self.extdisco:
                # XEP-0215: the STUN/TURN services the server hands out (mod_stun_disco).
                iq = self.make_iq_get(ito=self.boundjid.domain)
                iq.append(ET.Element("{urn:xmpp:extdisco:2}services"))
                try:
                    reply = await iq.send(timeout=10)
                    self.result["extdisco"] = [dict(s.attrib) for s in reply.xml.iter("{urn:xmpp:extdisco:2}service")]
                except slixmpp.exceptions.IqError as e:
                    self.result["extdisco"] = e.iq["error"]["condition"]
            if self.list_commands:
                # The server's ad-hoc commands (XEP-0050/0133) this account may run.
                try:
                    items = await self["xep_0030"].get_items(jid=self.boundjid.domain,
                                                             node="http://jabber.org/protocol/commands",
                                                             timeout=10)
                    self.result["commands"] = sorted(i[1] for i in items["disco_items"]["items"])
                except slixmpp.exceptions.IqError as e:
                    self.result["commands"] = []
                    self.result["commands_error"] = e.iq["error"]["condition"]
            if self.set_vcard:
                # What a desktop client sends when its user picks a new avatar: the whole
                # vCard with the photo. Answered = a result or an error within 10 s; then a
                # vCard get must still be answered (the session is not stuck).
                card = self["xep_0054"].make_vcard()
                card["NICKNAME"] = "changed by the client"
                card["PHOTO"]["TYPE"] = "image/png"
                card["PHOTO"]["BINVAL"] = bytes.fromhex(
                    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
                try:
                    await self["xep_0054"].publish_vcard(card, timeout=10)
                    self.result["vcard_set"] = "result"
                except slixmpp.exceptions.IqError as e:
                    self.result["vcard_set"] = e.iq["error"]["condition"]
                except slixmpp.exceptions.IqTimeout:
                    self.result["vcard_set"] = "timeout"
                try:
                    iq = await self["xep_0054"].get_vcard(self.boundjid.bare, cached=False, timeout=10)
                    nickname = iq["vcard_temp"]["NICKNAME"]
                    self.result["nickname_after_set"] = nickname[0] if isinstance(nickname, list) else nickname
                except Exception as e:  # noqa: BLE001 - reported to the test as is
                    self.result["nickname_after_set"] = repr(e)
            if self.muc_room:
                await self.use_room(self.muc_room)
            if self.send_bytes:
                # A message to ourselves whose stanza is about send_bytes long: the server's
                # max_stanza_size decides whether the stream survives it.
                self.sending = True
                self.send_message(mto=self.boundjid.bare, mbody="x" * self.send_bytes, mtype="chat")
                # Alive = a request after it is answered before the stream closes.
                probe = asyncio.ensure_future(
                    self["xep_0054"].get_vcard(self.boundjid.bare, cached=False, timeout=8))
                closed = asyncio.ensure_future(self.closed.wait())
                done, pending = await asyncio.wait({probe, closed}, timeout=10,
                                                   return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                self.result["alive_after_send"] = (probe in done and not probe.cancelled()
                                                   and probe.exception() is None)
            self.result["status"] = "ok"
        except Exception as e:  # noqa: BLE001 - reported to the test as is
            self.result["status"] = "error"
            self.result["error"] = repr(e)
        self.disconnect()
        self.done.set()

    async def use_room(self, room):
        """Group chat and its archive: join (creating the room), a groupchat message reflected
        back, then the room's message archive (XEP-0313) read back, and the account's own."""
        await self["xep_0045"].join_muc_wait(slixmpp.JID(room), "tester", maxstanzas=0, timeout=10)
        self.result["muc_joined"] = True
        reflected = asyncio.get_running_loop().create_future()

        def on_groupchat(msg):
            if msg["mucnick"] == "tester" and msg["body"] == "hello room" and not reflected.done():
                reflected.set_result(True)
        self.add_event_handler("groupchat_message", on_groupchat)
        self.send_message(mto=room, mbody="hello room", mtype="groupchat")
        try:
            self.result["muc_reflected"] = await asyncio.wait_for(reflected, 10)
        except asyncio.TimeoutError:
            self.result["muc_reflected"] = False
        try:
            iq = await self["xep_0313"].retrieve(jid=slixmpp.JID(room), timeout=10)
            self.result["room_archive"] = [m["mam_result"]["forwarded"]["stanza"]["body"]
                                           for m in iq["mam"]["results"]]
        except slixmpp.exceptions.IqError as e:
            self.result["room_archive"] = e.iq["error"]["condition"]
        try:
            iq = await self["xep_0313"].retrieve(timeout=10)
            self.result["own_archive"] = len(iq["mam"]["results"])
        except slixmpp.exceptions.IqError as e:
            self.result["own_archive"] = e.iq["error"]["condition"]

    def on_failed(self, _event):
        self.result["status"] = "auth-failed"
        self.disconnect()
        self.done.set()

    def on_disconnected(self, _event):
        self.closed.set()
        if self.sending:
            return  # on_session reports what happened to the stream
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
    parser.add_argument("--send-bytes", type=int, default=0, help="then send a message this long")
    parser.add_argument("--commands", action="store_true", help="list the server's ad-hoc commands")
    parser.add_argument("--extdisco", action="store_true", help="ask for the STUN/TURN services (XEP-0215)")
    parser.add_argument("--set-vcard", action="store_true", help="then set our own vCard with a photo")
    parser.add_argument("--muc", help="then join this room, talk in it and read its archive")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n") if args.password == "-" else args.password
    client = Client(args.jid, password, args.vcard, args.send_bytes)
    client.list_commands = args.commands
    client.extdisco = args.extdisco
    client.set_vcard = args.set_vcard
    client.muc_room = args.muc
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
