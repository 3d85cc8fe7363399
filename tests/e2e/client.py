"""slixmpp clients for the end-to-end tests: log in, wait for events, always with timeouts."""
import asyncio
import ssl

import slixmpp

TIMEOUT = 10


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        loop = asyncio.get_event_loop()
        # True on session start, else the condition of the last SASL failure once the client
        # has tried every mechanism it would (slixmpp goes on to the next one after a failure:
        # a -PLUS it cannot bind, then SCRAM, then PLAIN) or the server closed the stream.
        self.outcome = loop.create_future()
        self.sasl_failures = []
        self.stream_errors = []
        self.received = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.disconnected_event = asyncio.Event()
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE   # a self-signed test certificate
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0199")
        self.register_plugin("xep_0092")
        self.add_event_handler("session_start", self._started)
        self.add_event_handler("failed_auth", lambda stanza: self.sasl_failures.append(stanza["condition"]))
        self.add_event_handler("failed_all_auth", lambda _: self._failed())
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e["condition"]))
        self.add_event_handler("message", lambda m: self.received.put_nowait(m))
        self.add_event_handler("message_error", lambda m: self.received.put_nowait(m))
        self.add_event_handler("presence", lambda p: self.presences.put_nowait(p))
        self.add_event_handler("disconnected", self._disconnected)

    def _started(self, _):
        self.send_presence_on_start()
        if not self.outcome.done():
            self.outcome.set_result(True)

    def send_presence_on_start(self):
        pass

    def _failed(self):
        if not self.outcome.done() and self.sasl_failures:
            self.outcome.set_result(self.sasl_failures[-1])

    def _disconnected(self, _):
        self._failed()
        self.disconnected_event.set()


def run(coro, timeout=60):
    """Runs a test's coroutine on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def login(jid, password, port, direct_tls=False):
    """Returns (client, True) or (client, '<sasl condition>')."""
    c = Client(jid, password)
    c.connect(("127.0.0.1", port), use_ssl=direct_tls, force_starttls=not direct_tls)
    try:
        return c, await asyncio.wait_for(c.outcome, TIMEOUT)
    except asyncio.TimeoutError:
        c.abort()
        raise


async def logout(c):
    c.disconnect()
    try:
        await asyncio.wait_for(c.disconnected_event.wait(), TIMEOUT)
    except asyncio.TimeoutError:
        c.abort()


async def next_item(queue, predicate=lambda _: True, timeout=TIMEOUT):
    """The next queued stanza matching predicate (others are skipped)."""
    async def find():
        while True:
            item = await queue.get()
            if predicate(item):
                return item
    return await asyncio.wait_for(find(), timeout)


async def round_trip(client):
    """A ping to the server on the client's own stream, answered. One stream keeps its order both
    ways: the server has handled everything the client sent before it, and everything the server
    had queued for the client arrived (and its handlers ran) before the answer. The positive
    marker that makes "nothing else came" a check that can fail."""
    await client.plugin["xep_0199"].ping(client.boundjid.domain, timeout=TIMEOUT)


async def arrived_before_round_trip(client, queue, predicate=lambda _: True):
    """What matching predicate arrived on queue before a round trip on the client's stream ([]
    when nothing did); the queue is emptied."""
    await round_trip(client)
    found = []
    while not queue.empty():
        item = queue.get_nowait()
        if predicate(item):
            found.append(item)
    return found
