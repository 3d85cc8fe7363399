"""A minimal RFC 6455 client over TLS for the tests that must send what no library would:
requests without the subprotocol, oversized headers, a slow header, oversized frames."""
import base64
import os
import socket
import ssl
import struct


def tls_socket(port, timeout=10, receive_buffer=None):
    """receive_buffer: a small SO_RCVBUF, set before connecting, for a client that reads slowly."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(timeout)
    raw.connect(("127.0.0.1", port))
    return context.wrap_socket(raw, server_hostname="localhost")


def read_response(sock):
    """The HTTP response head (status line and fields) as text, and what followed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode(errors="replace"), rest


def request(port, text):
    """Sends one raw request, returns the whole answer until the server closes or 5 s pass."""
    s = tls_socket(port, timeout=5)
    try:
        s.sendall(text.encode() if isinstance(text, str) else text)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            pass
        return data.decode(errors="replace")
    finally:
        s.close()


class WebSocket:
    def __init__(self, port, protocol="xmpp", path="/xmpp-websocket", receive_buffer=None):
        self.sock = tls_socket(port, receive_buffer=receive_buffer)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: localhost:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.head, self.buffer = read_response(self.sock)

    def send(self, text, declared=None):
        """One masked text frame; declared: a length to announce instead (the rest never sent)."""
        payload = text.encode()
        length = len(payload) if declared is None else declared
        mask = os.urandom(4)
        header = bytes([0x81])
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self):
        """The next text message; ('close', code) for a close frame. Pings are skipped."""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                return ("close", struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None)
            if opcode == 0x1:
                return payload.decode()

    def messages_until_close(self):
        out = []
        try:
            while True:
                m = self.receive()
                out.append(m)
                if isinstance(m, tuple):
                    return out
        except (EOFError, OSError):
            return out

    def close(self):
        self.sock.close()
