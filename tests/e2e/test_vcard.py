"""End-to-end: XEP-0054 vCards come from the directory (cn, jpegPhoto), read through
slixmpp's vcard-temp plugin, and are read-only to clients.
"""
import base64
import os
import sys
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError

sys.path.insert(0, os.path.dirname(__file__))
from client import login, logout  # noqa: E402
from common import ConfiguredWorldTest, run  # noqa: E402

V = "{vcard-temp}"
PHOTO = os.path.join(os.path.dirname(__file__), "..", "data", "images", "photo.jpg")


class Vcard(ConfiguredWorldTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = cls.world.add_user("alice", "alice-pw")
        cls.world._tool("cl-useradd", "-P", "--allow-short-password", "-c", "Дора Смирнова", "-i", PHOTO, "dora", "jabber", input="dora-pw\n")
        cls.dora = "dora@localhost"

    async def client(self, jid, password):
        c, ok = await login(jid, password, self.world.port)
        self.assertIs(ok, True)
        c.register_plugin("xep_0054")
        return c

    def test_photo_is_the_jpegphoto_in_ldap(self):
        in_ldap = self.world.ldap_attribute("dora", "jpegPhoto")
        self.assertTrue(in_ldap and in_ldap.startswith(b"\xff\xd8"), "cl-useradd -i stored a JPEG")

        async def go():
            a = await self.client(self.alice + "/a", "alice-pw")
            iq = await a.plugin["xep_0054"].get_vcard(self.dora, local=False)
            vcard = iq.xml.find(V + "vCard")
            self.assertIsNotNone(vcard)
            self.assertEqual(vcard.findtext(V + "FN"), "Дора Смирнова")
            self.assertEqual(vcard.findtext(V + "NICKNAME"), "Дора Смирнова")
            self.assertEqual(vcard.findtext(V + "JABBERID"), self.dora)
            self.assertEqual(vcard.findtext(V + "PHOTO/" + V + "TYPE"), "image/jpeg")
            self.assertEqual(base64.b64decode(vcard.findtext(V + "PHOTO/" + V + "BINVAL")), in_ldap)
            # The plugin's parsed view agrees.
            self.assertEqual(iq["vcard_temp"]["PHOTO"]["BINVAL"], in_ldap)
            await logout(a)
        run(go())

    def test_own_vcard_without_a_to_and_no_photo(self):
        async def go():
            a = await self.client(self.alice + "/own", "alice-pw")
            iq = a.make_iq_get()  # no 'to': one's own account
            iq.xml.append(ET.Element(V + "vCard"))
            reply = await iq.send(timeout=10)
            vcard = reply.xml.find(V + "vCard")
            self.assertEqual(vcard.findtext(V + "FN"), "alice")
            self.assertEqual(vcard.findtext(V + "JABBERID"), self.alice)
            self.assertIsNone(vcard.find(V + "PHOTO"), "no jpegPhoto, no PHOTO")
            await logout(a)
        run(go())

    def test_unknown_user_is_item_not_found(self):
        async def go():
            a = await self.client(self.alice + "/u", "alice-pw")
            with self.assertRaises(IqError) as caught:
                await a.plugin["xep_0054"].get_vcard("nobody@localhost", local=False, timeout=10)
            self.assertEqual(caught.exception.iq["error"]["condition"], "item-not-found")
            await logout(a)
        run(go())

    def test_set_is_refused_with_a_clear_text(self):
        async def go():
            a = await self.client(self.alice + "/s", "alice-pw")
            vcard = a.plugin["xep_0054"].make_vcard()
            vcard["FN"] = "Mallory"
            with self.assertRaises(IqError) as caught:
                await a.plugin["xep_0054"].publish_vcard(vcard, timeout=10)
            error = caught.exception.iq["error"]
            self.assertEqual(error["condition"], "not-allowed")
            self.assertEqual(error["text"], "vCards come from the directory; ask your administrator")
            iq = await a.plugin["xep_0054"].get_vcard(self.alice, local=False)
            self.assertEqual(iq.xml.find(V + "vCard").findtext(V + "FN"), "alice", "unchanged")
            await logout(a)
        run(go())
