"""System test of postern-proxy out of file descriptors, and back.

The running proxy's RLIMIT_NOFILE is lowered to the descriptors it holds, the
way a host under a connection flood gets there, and raised again afterwards.
Meanwhile it must not spin on the connections it cannot accept, open tunnels
keep working, a client it cannot serve gets an answer saying why, and once
descriptors are free everything works again. All traffic stays on loopback.
"""

import os
import re
import resource
import socket
import time
import unittest

from testing.harness import harness

USER = "a@example.com"
ECHO = "echo.localhost.example:7"
# Connections queued while accepting fails; any number above zero would do.
QUEUED = 3


def allow_email(email):
    return [{"allow": {"or": [{"email": {"is": email}}]}}]


def descriptors(pid):
    return [int(fd) for fd in os.listdir("/proc/%d/fd" % pid)]


def cpu_seconds(pid):
    """User plus system CPU time the process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(condition, what, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting until " + what)
        time.sleep(0.01)  # polling a condition, with a deadline


class DescriptorExhaustionTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("exhaustion")
        cls.pki = harness.Pki(cls.dir, ["proxy.localhost.example"])
        cls.echo = harness.EchoServer()
        cls.postern = harness.Postern(cls.dir, {
            "shared_secret": harness.new_secret(),
            "certificate_file": cls.pki.cert,
            "certificate_key_file": cls.pki.key,
            "metrics_address": "127.0.0.1:0",
            # The connections queued while the proxy is out of descriptors
            # must not time out during the test.
            "request_header_timeout": "60s",
            "routes": [{"from": "tcp+https://" + ECHO, "to": "tcp://" + cls.echo.address,
                        "policy": allow_email(USER)}],
        })
        cls.proxy = cls.postern.proxy
        cls.pid = cls.proxy.proc.pid
        cls.metrics = cls.proxy.wait_for(r"metrics, health and readiness on http://(\S+)").group(1)
        cls.token = cls.postern.service_account(USER)

    @classmethod
    def tearDownClass(cls):
        cls.postern.kill()
        cls.echo.close()

    def tunnel(self):
        result = harness.connect_tunnel(self.postern.address, self.pki.ca_cert, ECHO, self.token)
        self.addCleanup(result.sock.close)
        self.assertEqual(result.status, 200, result.body)
        return result.sock

    def assert_echoes(self, sock, data):
        sock.sendall(data)
        self.assertEqual(harness.recv_exactly(sock, len(data)), data)

    def connect_raw(self, address):
        sock = socket.create_connection(harness.split_address(address), timeout=20)
        self.addCleanup(sock.close)
        return sock

    def exhaust_descriptors(self):
        """Lowers the proxy's descriptor limit to what it holds, fills any free number below it
        with connections, and queues QUEUED more that it cannot accept. The limit is restored
        by restore_descriptors or at cleanup."""
        soft, hard = resource.prlimit(self.pid, resource.RLIMIT_NOFILE)
        self.restore = lambda: resource.prlimit(self.pid, resource.RLIMIT_NOFILE, (soft, hard))
        self.addCleanup(self.restore)
        mark = len(self.proxy.lines())
        limit = max(descriptors(self.pid)) + 1
        resource.prlimit(self.pid, resource.RLIMIT_NOFILE, (limit, hard))
        free_below_limit = limit - len(descriptors(self.pid))
        for _ in range(free_below_limit + QUEUED):
            self.connect_raw(self.postern.address)
        self.proxy.wait_for(r"WARN accepting a connection failed: Too many open files", start=mark)
        wait_until(lambda: len(descriptors(self.pid)) == limit, "the proxy holds %d" % limit)

    def test_open_tunnels_keep_working_and_a_new_one_gets_502_naming_the_cause(self):
        open_tunnel = self.tunnel()
        waiting = harness.tls_connect(self.postern.address, self.pki.ca_cert)
        self.addCleanup(waiting.close)
        self.exhaust_descriptors()

        self.assert_echoes(open_tunnel, b"still here")
        mark = len(self.proxy.lines())
        waiting.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Pomerium %s\r\n\r\n"
                         % (ECHO, ECHO, self.token)).encode())
        answer = harness.read_response(waiting)
        self.assertEqual(answer.status, 502, answer.body)
        line = harness.access_line(self.proxy, "127.0.0.1:%d" % waiting.getsockname()[1],
                                   start=mark)
        self.assertEqual(line["status"], 502)
        self.assertIn("Too many open files", line["close_reason"])

        self.restore()
        self.assert_echoes(self.tunnel(), b"new tunnel")
        self.assert_echoes(open_tunnel, b"and the old one")

    def test_no_spinning_on_queued_connections_and_metrics_answer_once_descriptors_free(self):
        self.exhaust_descriptors()
        scrape = self.connect_raw(self.metrics)
        scrape.sendall(b"GET /healthz HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n")
        # A measurement over a fixed window, not a synchronisation: an accept
        # loop retrying at once burns a whole core; a pausing one almost none.
        before = cpu_seconds(self.pid)
        time.sleep(1)
        used = cpu_seconds(self.pid) - before
        self.assertLess(used, 0.25, "the proxy used %.2f s of CPU in 1 s while it could not "
                        "accept; it spins" % used)

        self.restore()
        answer = harness.recv_until(scrape, b"ok\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer)


if __name__ == "__main__":
    unittest.main()
