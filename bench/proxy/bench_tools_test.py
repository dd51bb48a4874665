"""The proxy benchmark's own tools work: tunnel_load and bench_upstream through the real binaries,
and ipc_floor.

bench/proxy/run.py is run by hand, so nothing else would notice if its tools
stopped measuring what they claim. This test times nothing: it checks that a
setup run through postern-proxy and postern-authorize completes and reports
phases in the order they happen, that throughput runs move exactly the bytes
asked for, that bench_upstream's accept time is on this machine's monotonic
clock, that ipc_floor's round trips are really answered, and that refusals
and bad flags fail loudly.
"""

import json
import os
import socket
import subprocess
import time
import unittest

from testing.harness import harness

TUNNEL_LOAD = harness.binary("bench/proxy/tunnel_load")
UPSTREAM = harness.binary("bench/proxy/bench_upstream")
IPC_FLOOR = harness.binary("bench/proxy/ipc_floor")
PROXY_NAME = "proxy.bench.example"
ROUTE = "upstream.bench.example:9"
USER = "bench@example.com"


class BenchToolsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("bench_tools")
        cls.pki = harness.Pki(cls.dir, [PROXY_NAME])
        cls.upstream = harness.Process("upstream", [UPSTREAM, "--listen", "127.0.0.1:0"])
        cls.upstream_address = cls.upstream.wait_for(r"listening on (\S+)").group(1)
        cls.postern = harness.Postern(cls.dir, {
            "shared_secret": harness.new_secret(), "certificate_file": cls.pki.cert,
            "certificate_key_file": cls.pki.key,
            "routes": [{"from": "tcp+https://" + ROUTE, "to": "tcp://" + cls.upstream_address,
                        "policy": [{"allow": {"or": [{"email": {"is": USER}}]}}]}]})
        cls.proxy, cls.address = cls.postern.proxy, cls.postern.address
        cls.token_file = cls.token_file_for(USER, "allowed.jwt")

    @classmethod
    def tearDownClass(cls):
        cls.postern.kill()
        cls.upstream.kill()

    @classmethod
    def token_file_for(cls, email, name):
        path = os.path.join(cls.dir, name)
        with open(path, "w") as f:
            f.write(cls.postern.service_account(email) + "\n")
        return path

    def tunnel_load(self, mode, *args, token_file=None):
        command = [TUNNEL_LOAD, "--mode", mode, "--path", "connect", "--target", self.address,
                   "--ca-file", self.pki.ca_cert, "--server-name", PROXY_NAME,
                   "--authority", ROUTE, "--token-file", token_file or self.token_file]
        return subprocess.run(command + list(args), capture_output=True, timeout=120)

    def test_setup_reports_every_tunnel_and_its_phases_in_order(self):
        mark = len(self.proxy.lines())
        result = self.tunnel_load("setup", "--count", "20", "--warmup", "3",
                                  "--pause-us", "500")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        report = json.loads(result.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(report["count"], 20)
        for quantile in ("p50", "p99", "max"):
            tcp, tls, ready = (report[k][quantile] for k in ("tcp_ms", "tls_ms", "ready_ms"))
            self.assertLessEqual(tcp, tls, quantile)
            self.assertLessEqual(tls, ready, quantile)
        # Each tunnel: the upstream accepted after the TLS handshake and
        # before the answer came back (medians, as the report keeps no pairs).
        self.assertGreater(report["upstream_ms"]["p50"], report["tls_ms"]["p50"])
        self.assertLess(report["upstream_ms"]["p50"], report["total_ms"]["p50"])
        # 23 tunnels, each admitted and logged by the real proxy.
        self.proxy.wait_for_count(r'"log":"access".*"status":200', 23, start=mark)

    def test_throughput_moves_exactly_the_bytes_asked_for(self):
        size = 8 << 20
        for direction in ("up", "down"):
            result = self.tunnel_load("throughput", "--direction", direction,
                                      "--bytes", str(size))
            self.assertEqual(result.returncode, 0, result.stderr.decode())
            report = json.loads(result.stdout.decode().strip().splitlines()[-1])
            self.assertEqual(report["bytes"], size, direction)
            self.assertEqual(report["direction"], direction)
            self.assertGreater(report["mib_per_s"], 0)

    def test_upstream_answers_its_accept_time_on_the_monotonic_clock_then_echoes(self):
        host, port = harness.split_address(self.upstream_address)
        before = time.monotonic_ns()
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"T")
            line = harness.recv_until(sock, b"\n")
            after = time.monotonic_ns()
            accepted = int(line.split(b"\n")[0])
            self.assertGreaterEqual(accepted, before)
            self.assertLessEqual(accepted, after)
            sock.sendall(b"still echoing")
            self.assertEqual(harness.recv_exactly(sock, 13), b"still echoing")

    def test_a_refused_tunnel_fails_the_run_with_the_status(self):
        refused = self.token_file_for("someone-else@example.com", "refused.jwt")
        result = self.tunnel_load("setup", "--count", "1", "--warmup", "0",
                                  token_file=refused)
        self.assertEqual(result.returncode, 1)
        self.assertIn("CONNECT refused: HTTP/1.1 403", result.stderr.decode())

    def test_bad_flags_exit_2_and_say_which(self):
        for args, message in [
            (["setup", "--pause-us", "soon"], "--pause-us must be a number up to 1000000"),
            (["setup", "--count", "0"], "--count must be at least 1"),
            (["sideways"], "--mode must be throughput, setup or idle"),
        ]:
            result = self.tunnel_load(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn(message, result.stderr.decode(), args)


class IpcFloorTest(unittest.TestCase):
    def run_floor(self, *args):
        return subprocess.run([IPC_FLOOR, *args], capture_output=True, timeout=120)

    def test_reports_the_round_trips_it_made_for_each_transport_and_placement(self):
        cases = [(transport, "same") for transport in ("tcp", "grpc-unary", "grpc-stream")]
        cases.append(("tcp", "any"))
        if len(os.sched_getaffinity(0)) >= 2:
            cases.append(("grpc-unary", "split"))
        for transport, placement in cases:
            with self.subTest(transport=transport, placement=placement):
                started = time.monotonic()
                result = self.run_floor("--transport", transport, "--placement", placement,
                                        "--round-trips", "300", "--bytes", "4096")
                elapsed_us = (time.monotonic() - started) * 1e6
                self.assertEqual(result.returncode, 0, result.stderr.decode())
                report = json.loads(result.stdout)
                self.assertEqual(
                    (report["transport"], report["placement"], report["round_trips"],
                     report["bytes"]),
                    (transport, placement, 300, 4096))
                times = report["round_trip_us"]
                self.assertGreater(times["p50"], 0)
                self.assertLessEqual(times["p50"], times["p90"])
                self.assertLessEqual(times["p90"], times["p99"])
                self.assertLessEqual(times["p99"], times["max"])
                # 300 measured round trips all happened inside this run.
                self.assertLess(times["p50"] * 300, elapsed_us)

    def test_bad_flags_exit_2_and_say_which(self):
        for args, message in [
            (["--placement", "north"], "--placement must be one of any same split, not north"),
            (["--transport", "udp"], "--transport must be one of tcp grpc-unary grpc-stream"),
            (["--bytes", "0"], "--bytes must be a whole number from 1 to 4096"),
            (["--round-trips", "many"], "--round-trips must be a whole number"),
        ]:
            result = self.run_floor(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn(message, result.stderr.decode(), args)


if __name__ == "__main__":
    unittest.main()
