"""End-to-end: SCRAM logins (RFC 5802, RFC 7677) against verifiers held in the directory.

The verifiers are written here directly over LDAP (authPassword, RFC 5803), computed with
hashlib, as an administrator or a later cl-passwd would; the server reads them through its
directory sync, so a change counts at the next login.

Debian's slixmpp (1.8.3) supports SCRAM-SHA-1/256/512 and, for -PLUS, only tls-unique,
which cl-jabberd does not offer (it does not exist in TLS 1.3): with -PLUS offered slixmpp
says "y" (it could bind, thinks we cannot) and RFC 5802 requires the server to refuse that.
So the slixmpp logins run against a server whose allow list has no -PLUS mechanism, and
SCRAM-SHA-256-PLUS with tls-server-end-point is driven by a raw client below. (Python's ssl
has no keying-material exporter, so tls-exporter is covered by the unit tests only.)
"""
import asyncio
import base64
import hashlib
import hmac
import os
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from client import Client, TIMEOUT, logout, run  # noqa: E402
from harness import WorldCase, World  # noqa: E402
from raw import HEADER, Raw  # noqa: E402
from test_accounts import ldap_modify  # noqa: E402

HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}
NO_PLUS = "sasl_mechanisms = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']\n"


def b64(data):
    return base64.b64encode(data).decode()


def salted_password(mechanism, password, salt, iterations):
    return hashlib.pbkdf2_hmac(HASHES[mechanism], password.encode(), salt, iterations)


def verifier(mechanism, password, iterations=4096):
    """RFC 5803's authPassword value for password (ASCII: SASLprep changes nothing)."""
    h = HASHES[mechanism]
    salt = os.urandom(16)
    salted = salted_password(mechanism, password, salt, iterations)
    stored = hashlib.new(h, hmac.new(salted, b"Client Key", h).digest()).digest()
    server = hmac.new(salted, b"Server Key", h).digest()
    return f"{mechanism}${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


def set_verifiers(world, name, password):
    """Writes the account's verifiers of every hash (replacing any), as the manager (the tools
    gave the account authPasswordObject)."""
    values = "".join(f"authPassword: {verifier(m, password)}\n" for m in HASHES)
    ldap_modify(world, f"dn: uid={name},ou=Users,ou=Jabber,ou=Services,{{base}}\nchangetype: modify\n"
                       f"replace: authPassword\n{values}")


async def try_login(jid, password, port, mechanism=None):
    """(client, True) or (client, first SASL condition); the mechanism forced when given."""
    c = Client(jid, password)
    if mechanism:
        c["feature_mechanisms"].use_mech = mechanism
    c.connect(("127.0.0.1", port), force_starttls=True)
    try:
        return c, await asyncio.wait_for(c.outcome, TIMEOUT)
    except asyncio.TimeoutError:
        c.abort()
        raise


def outcome(world, jid, password, mechanism=None):
    async def go():
        c, result = await try_login(jid, password, world.port, mechanism)
        if result is True:
            await logout(c)
        else:
            c.abort()
        return result
    return run(go())


def eventually(predicate, timeout=10):
    """The directory sync reaches the server within moments; wait for it, bounded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class ScramLogins(WorldCase):
    """slixmpp with SCRAM forced, against verifiers in the directory (no -PLUS offered)."""

    @classmethod
    def setUpClass(cls):
        cls.world = World((), 65536, NO_PLUS)
        cls.alice = cls.world.add_user("alice", "alice-pw")
        set_verifiers(cls.world, "alice", "alice-pw")
        cls.carol = cls.world.add_user("carol", "carol-pw")
        set_verifiers(cls.world, "carol", "carol-pw")
        cls.world.lock("carol")
        cls.dave = cls.world.add_user("dave", "dave-pw")
        # An account from before SCRAM: the tools give verifiers now, so take them away.
        ldap_modify(cls.world, "dn: uid=dave,ou=Users,ou=Jabber,ou=Services,{base}\nchangetype: modify\n"
                               "delete: authPassword\n")
        cls.erin = cls.world.add_user("erin", "erin-old")
        set_verifiers(cls.world, "erin", "erin-old")
        # The verifiers reach the server through its sync.
        eventually(lambda: outcome(cls.world, cls.alice, "alice-pw", "SCRAM-SHA-256") is True)

    def test_every_hash_logs_in_with_the_right_password_and_not_with_a_wrong_one(self):
        for mechanism in HASHES:
            with self.subTest(mechanism=mechanism):
                self.assertIs(outcome(self.world, self.alice, "alice-pw", mechanism), True)
                self.assertEqual(outcome(self.world, self.alice, "wrong", mechanism), "not-authorized")
        log = self.world.server_log()
        self.assertNotIn("wrong", log.replace("wrong password", ""), "a password must never be logged")

    def test_unknown_user_is_refused_like_a_wrong_password(self):
        self.assertEqual(outcome(self.world, "nobody@localhost", "whatever", "SCRAM-SHA-256"), "not-authorized")

    def test_a_locked_account_is_refused_under_every_mechanism(self):
        for mechanism in list(HASHES) + ["PLAIN"]:
            with self.subTest(mechanism=mechanism):
                self.assertIn(outcome(self.world, self.carol, "carol-pw", mechanism),
                              ("not-authorized", "account-disabled"))

    def test_an_account_without_verifiers_logs_in_by_plain(self):
        self.assertIs(outcome(self.world, self.dave, "dave-pw", "PLAIN"), True)
        self.assertEqual(outcome(self.world, self.dave, "dave-pw", "SCRAM-SHA-256"), "not-authorized")
        # scram_upgrade_on_plain is off by default: the PLAIN login wrote no verifiers.
        time.sleep(0.5)
        self.assertEqual(stored_verifiers(self.world, "dave")[0], [])

    def test_a_password_change_counts_at_the_next_login(self):
        self.assertIs(outcome(self.world, self.erin, "erin-old", "SCRAM-SHA-256"), True)
        set_verifiers(self.world, "erin", "erin-new")
        self.assertIs(eventually(lambda: outcome(self.world, self.erin, "erin-new", "SCRAM-SHA-256") is True), True)
        self.assertEqual(outcome(self.world, self.erin, "erin-old", "SCRAM-SHA-256"), "not-authorized")


def stored_verifiers(world, name):
    """The account's authPassword values and whether it has authPasswordObject, read as the
    manager (the socket's root peer)."""
    s = world.ldap_settings()
    r = subprocess.run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-Q", "-Y", "EXTERNAL", "-H", s["uri"],
                        "-b", s["base_dn"], f"(uid={name})", "authPassword", "objectClass"],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("ldapsearch failed: " + r.stderr)
    lines = r.stdout.splitlines()
    values = [line.split(" ", 1)[1] for line in lines if line.startswith("authPassword")]
    return values, "objectClass: authPasswordObject" in lines


def make_pre_scram(world, name):
    """The account as versions before SCRAM made it: userPassword ({CRYPT}) only."""
    ldap_modify(world, f"dn: uid={name},ou=Users,ou=Jabber,ou=Services,{{base}}\nchangetype: modify\n"
                       "delete: authPassword\n-\ndelete: objectClass\nobjectClass: authPasswordObject\n")


class ScramUpgradeOnPlain(WorldCase):
    """[jabber] scram_upgrade_on_plain: a PLAIN login gives an account without verifiers its
    verifiers, so its next login can be SCRAM; without the setting nothing is written."""

    @classmethod
    def setUpClass(cls):
        cls.world = World((), 65536, NO_PLUS + "scram_upgrade_on_plain = true\n")
        cls.old = cls.world.add_user("old", "old-pw")
        make_pre_scram(cls.world, "old")
        cls.wrong = cls.world.add_user("wrong", "wrong-pw")
        make_pre_scram(cls.world, "wrong")

    def test_a_plain_login_gives_an_old_account_scram(self):
        self.assertEqual(stored_verifiers(self.world, "old"), ([], False))
        self.assertEqual(outcome(self.world, self.old, "old-pw", "SCRAM-SHA-256"), "not-authorized")
        self.assertIs(outcome(self.world, self.old, "old-pw", "PLAIN"), True)
        self.assertIs(eventually(lambda: outcome(self.world, self.old, "old-pw", "SCRAM-SHA-256") is True), True)
        for mechanism in HASHES:
            with self.subTest(mechanism=mechanism):
                self.assertIs(outcome(self.world, self.old, "old-pw", mechanism), True)
                self.assertEqual(outcome(self.world, self.old, "not-old-pw", mechanism), "not-authorized")
        values, has_class = stored_verifiers(self.world, "old")
        self.assertEqual(sorted(v.split("$", 1)[0] for v in values), sorted(HASHES))
        self.assertTrue(has_class)
        self.assertTrue(all(v.split("$")[1].startswith("4096:") for v in values), values)
        # Another PLAIN login writes nothing more.
        self.assertIs(outcome(self.world, self.old, "old-pw", "PLAIN"), True)
        time.sleep(0.5)
        self.assertEqual(stored_verifiers(self.world, "old")[0], values)
        log = self.world.server_log()
        self.assertIn("old has SCRAM verifiers now", log)
        self.assertNotIn("old-pw", log, "a password must never be logged")

    def test_a_failed_plain_login_writes_nothing(self):
        self.assertEqual(outcome(self.world, self.wrong, "not-the-pw", "PLAIN"), "not-authorized")
        time.sleep(0.5)
        self.assertEqual(stored_verifiers(self.world, "wrong"), ([], False))


def scram_plus_login(port, user, password, mechanism="SCRAM-SHA-256-PLUS", flag="p=tls-server-end-point"):
    """A raw SCRAM exchange with tls-server-end-point (RFC 5929 §4.1: SHA-256 of the server's
    certificate, signed with SHA-256 here). Returns the server's answer to the last message."""
    h = HASHES[mechanism.removesuffix("-PLUS")]
    r = Raw(port)
    try:
        r.starttls()
        r.send(HEADER)
        features = r.read_until("</stream:features>")
        r.take()
        certificate = r.tls.getpeercert(binary_form=True)
        binding = hashlib.sha256(certificate).digest() if flag.startswith("p=") else b""
        gs2 = f"{flag},,"
        nonce = b64(os.urandom(18))
        first_bare = f"n={user},r={nonce}"
        r.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{mechanism}'>"
               f"{b64((gs2 + first_bare).encode())}</auth>")
        answer = r.read_until(("</challenge>", "</failure>"))
        r.take()
        if "<challenge" not in answer:
            return features, answer
        server_first = base64.b64decode(answer.split(">", 1)[1].split("<", 1)[0]).decode()
        attrs = dict(a.split("=", 1) for a in server_first.split(","))
        without_proof = f"c={b64(gs2.encode() + binding)},r={attrs['r']}"
        auth_message = f"{first_bare},{server_first},{without_proof}".encode()
        salted = hashlib.pbkdf2_hmac(h, password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", h).digest()
        signature = hmac.new(hashlib.new(h, client_key).digest(), auth_message, h).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        r.send(f"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{b64((without_proof + ',p=' + b64(proof)).encode())}"
               "</response>")
        answer = r.read_until(("</success>", "</failure>"))
        if "<success" in answer:
            server_final = base64.b64decode(answer.split("<success", 1)[1].split(">", 1)[1].split("<", 1)[0]).decode()
            server_key = hmac.new(salted, b"Server Key", h).digest()
            expected = b64(hmac.new(server_key, auth_message, h).digest())
            assert server_final == "v=" + expected, "the server proved it knows the verifier"
        return features, answer
    finally:
        r.close()


class ScramPlus(WorldCase):
    """Every mechanism offered (the default): -PLUS with channel binding, XEP-0440."""

    @classmethod
    def setUpClass(cls):
        cls.world = World()
        cls.world.add_user("alice", "alice-pw")
        set_verifiers(cls.world, "alice", "alice-pw")
        cls.bob = cls.world.add_user("bob", "bob-pw")  # no verifiers

    def test_plus_with_tls_server_end_point(self):
        features, answer = eventually(
            lambda: (lambda f, a: (f, a) if "<success" in a else None)(*scram_plus_login(self.world.port, "alice", "alice-pw")))
        self.assertIn("<mechanism>SCRAM-SHA-512-PLUS</mechanism>", features)
        self.assertIn("<mechanism>SCRAM-SHA-256-PLUS</mechanism>", features)
        self.assertIn("<mechanism>PLAIN</mechanism>", features)
        self.assertIn("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>", features)
        self.assertIn("<channel-binding type='tls-server-end-point'/>", features)
        self.assertIn("<channel-binding type='tls-exporter'/>", features, "TLS 1.3: RFC 9266")
        _, answer = scram_plus_login(self.world.port, "alice", "wrong")
        self.assertIn("<not-authorized/>", answer)

    def test_a_downgraded_client_is_refused(self):
        # "y": the client could bind but believes the server cannot, while -PLUS was offered.
        _, answer = scram_plus_login(self.world.port, "alice", "alice-pw", "SCRAM-SHA-256", flag="y")
        self.assertIn("<not-authorized/>", answer)
        self.assertIn("downgrade", answer)
        # slixmpp has only tls-unique, so it says "y" to a non-PLUS SCRAM: refused alike.
        self.assertEqual(outcome(self.world, "alice@localhost", "alice-pw", "SCRAM-SHA-256"), "not-authorized")

    def test_slixmpp_left_to_choose_still_gets_in_through_plain(self):
        # It tries the -PLUS ones (tls-unique: not ours), then SCRAM with "y", then PLAIN;
        # the channel-binding refusals are not counted against the stream's attempts.
        self.assertIs(outcome(self.world, self.bob, "bob-pw"), True)
        self.assertIs(outcome(self.world, "alice@localhost", "alice-pw"), True)
