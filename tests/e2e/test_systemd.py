"""cl-jabberd under a Type=notify unit, played by the test: the readiness datagrams on
$NOTIFY_SOCKET (READY=1 once it listens, RELOADING=1 and READY=1 on SIGHUP, STOPPING=1 on
SIGTERM) and journald priorities on stderr when $JOURNAL_STREAM names it."""
import os
import signal
import socket
import unittest

from harness import World


class SystemdProtocol(unittest.TestCase):
    def setUp(self):
        self.world = World()
        self.world.stop_server()
        self.notify_path = os.path.join(self.world.dir, "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.settimeout(10)
        # start_server sends stderr to this file, so it is the "journal stream" named here;
        # emptied (same inode) of what the first start wrote.
        open(self.world.log_path, "w").close()
        st = os.stat(self.world.log_path)
        self.world.env.update(NOTIFY_SOCKET=self.notify_path, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")

    def tearDown(self):
        self.notify.close()
        self.world.stop()

    def next_state(self):
        return self.notify.recv(4096).decode()

    def test_readiness_reload_stop_and_journal_priorities(self):
        self.world.start_server()  # returns once the client port accepts
        self.assertEqual(self.next_state(), "READY=1")
        socket.create_connection(("127.0.0.1", self.world.port), timeout=2).close()

        self.world.server.send_signal(signal.SIGHUP)
        reloading = self.next_state().split("\n")
        self.assertEqual(reloading[0], "RELOADING=1")
        self.assertTrue(reloading[1].startswith("MONOTONIC_USEC="), reloading)
        self.assertEqual(self.next_state(), "READY=1")

        self.world.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.next_state(), "STOPPING=1")
        self.assertEqual(self.world.server.wait(10), 0)
        lines = [line for line in self.world.server_log().splitlines() if line]
        self.assertTrue(any(line.startswith("<6>cl-jabberd ") and " serving " in line for line in lines), lines)
        # Every line carries a priority journald understands, none the stderr-only "<info> ".
        self.assertTrue(all(line[:3] in ("<3>", "<4>", "<6>", "<7>") for line in lines), lines)

    def test_plain_stderr_when_it_is_not_the_journal(self):
        self.world.env["JOURNAL_STREAM"] = "1:1"
        self.world.start_server()
        self.assertEqual(self.next_state(), "READY=1")
        self.assertEqual(self.world.stop_server(), 0)
        self.assertIn("<info> cl-jabberd ", self.world.server_log())
        self.assertNotIn("<6>", self.world.server_log())


if __name__ == "__main__":
    unittest.main()
