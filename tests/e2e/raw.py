"""A deliberately naive raw XMPP client for hostile input: bytes in, bytes out, timeouts."""
import base64
import socket
import ssl
import time

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")


def header(host="localhost"):
    """The stream header addressed to another served host."""
    return HEADER.replace("to='localhost'", f"to='{host}'")


class Raw:
    def __init__(self, port, direct_tls=False, timeout=10, source=None):
        # source: a loopback address of its own (127.0.0.2, ...), to look like another client.
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if direct_tls:
            self._wrap()
        self.buffer = b""

    @classmethod
    def over(cls, sock):
        """A Raw on a socket connected already (the accepting side of a hand-made peer)."""
        raw = cls.__new__(cls)
        raw.sock, raw.buffer = sock, b""
        return raw

    def _wrap(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.tls = self.sock

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_until(self, marker, timeout=10):
        """Reads until marker (or one of a tuple of markers) is in the buffer; returns
        everything read so far (and keeps it)."""
        deadline = time.monotonic() + timeout
        markers = [m.encode() for m in ((marker,) if isinstance(marker, str) else marker)]
        while not any(m in self.buffer for m in markers):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {marker!r} in {self.buffer[-500:]!r}")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before {marker!r}: {self.buffer[-500:]!r}")
            self.buffer += chunk
        return self.buffer.decode(errors="replace")

    def read_to_close(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"still open: {self.buffer[-500:]!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                chunk = b""
            if not chunk:
                return self.buffer.decode(errors="replace")
            self.buffer += chunk

    def take(self):
        out, self.buffer = self.buffer.decode(errors="replace"), b""
        return out

    def starttls(self, host="localhost"):
        self.send(header(host))
        self.read_until("</stream:features>")
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        self.read_until("<proceed")
        self.take()
        self._wrap()

    def login(self, user, password, resource="raw"):
        self.send(HEADER)
        self.read_until("</stream:features>")
        self.take()
        cred = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{cred}</auth>")
        self.read_until("<success")
        self.take()
        self.send(HEADER)
        self.read_until("</stream:features>")
        self.take()
        self.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                  f"<resource>{resource}</resource></bind></iq>")
        self.read_until("</iq>")
        return self.take()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
