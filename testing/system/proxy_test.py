"""System test of postern-proxy: the real proxy and authorize binaries, real TLS, real sockets.

Every status code of DESIGN.md's table, Redis round trips through a tunnel,
half-close, a 100 MiB transfer, 200 concurrent tunnels, authorize going away
and coming back, reload, graceful shutdown, the access log and the metrics
endpoint. All traffic stays on loopback.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import selectors
import signal
import socket
import ssl
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

from testing.harness import harness
from testing.harness.fake_redis import FakeRedis, redis_ping, resp_command

PROXY = harness.binary("proxy/postern-proxy")
AUTHORIZE = harness.binary("authorize/postern-authorize")
PROXY_NAME = "proxy.localhost.example"
USER = "a@example.com"

# Every token any test sends; none may ever appear in a log.
TOKENS = []


def allow_email(email):
    return [{"allow": {"or": [{"email": {"is": email}}]}}]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(secret_b64, claims):
    """A session JWT made here, for tokens the proxy must refuse (expired, wrong key)."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = (header + "." + payload).encode()
    key = base64.b64decode(secret_b64)
    signature = b64url(hmac.new(key, signing_input, hashlib.sha256).digest())
    return header + "." + payload + "." + signature


def session_claims(email, **overrides):
    now = int(time.time())
    claims = {"iss": "postern-proxy", "aud": "postern", "sub": email, "email": email,
              "groups": [], "iat": now, "exp": now + 3600, "jti": "test-" + str(now)}
    claims.update(overrides)
    return claims


def service_account(config_path, email, *extra):
    result = subprocess.run([PROXY, "service-account", "--config", config_path, "--email", email]
                            + list(extra), capture_output=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError("service-account failed: %s" % result.stderr.decode())
    token = result.stdout.decode().strip()
    TOKENS.append(token)
    return token


def wait_for_access_line(process, client_port, timeout=20, start=0):
    """The access-log line of the connection whose client port is `client_port`, once written
    (only lines from index `start` on: see harness.access_line)."""
    return harness.access_line(process, "127.0.0.1:%d" % client_port, timeout=timeout,
                               start=start)


def http_get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def half_close(tls_sock):
    """Ends the client's sending side with a bare TCP FIN, as pomerium-cli does; reading goes on."""
    socket.socket.shutdown(tls_sock, socket.SHUT_WR)


def exchange(tls_sock, pieces, received_first=b"", timeout=120):
    """Sends every piece of `pieces` over `tls_sock`, half-closes, and reads until the end of
    the stream, all in one thread (an SSL socket must not be read and written from two threads
    at once). Returns (sha256 of sent, bytes sent, sha256 of received, bytes received)."""
    sent_hash, received_hash = hashlib.sha256(), hashlib.sha256()
    received_hash.update(received_first)
    sent, received = 0, len(received_first)
    pending = b""
    finished_sending = False
    tls_sock.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(tls_sock, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while True:
        if not pending and not finished_sending:
            pending = next(pieces, None)
            if pending is None:
                pending = b""
                finished_sending = True
                half_close(tls_sock)
            else:
                sent_hash.update(pending)
                pending = memoryview(pending)
        if pending:
            try:
                n = tls_sock.send(pending)
                sent += n
                pending = pending[n:]
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        try:
            while True:
                data = tls_sock.recv(1 << 20)
                if not data:
                    return sent_hash.hexdigest(), sent, received_hash.hexdigest(), received
                received_hash.update(data)
                received += len(data)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        if not pending and not finished_sending:
            continue  # the next piece is ready to go
        selector.modify(tls_sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("exchange timed out: sent %d, received %d" % (sent, received))
        selector.select(remaining)


class MemoryTlsClient:
    """A TLS client over memory BIOs, for what ssl.SSLSocket cannot do: send close_notify (TLS
    half-close) and keep reading."""

    def __init__(self, address, ca_file):
        context = ssl.create_default_context(cafile=ca_file)
        context.set_alpn_protocols(["http/1.1"])
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._in, self._out, server_hostname=PROXY_NAME)
        self.raw = socket.create_connection(harness.split_address(address), timeout=20)
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._fill()
        self._flush()

    def _flush(self):
        data = self._out.read()
        if data:
            self.raw.sendall(data)

    def _fill(self):
        data = self.raw.recv(65536)
        if data:
            self._in.write(data)
        else:
            self._in.write_eof()

    def send(self, data):
        self._tls.write(data)
        self._flush()

    def recv(self):
        """Returns the next application bytes, b"" at the end of the stream."""
        while True:
            try:
                return self._tls.read(65536)
            except ssl.SSLWantReadError:
                self._fill()
            except ssl.SSLZeroReturnError:
                return b""

    def close_notify(self):
        """Sends close_notify and a FIN; reading stays possible."""
        try:
            self._tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        self._flush()
        self.raw.shutdown(socket.SHUT_WR)


class CollectorUpstream(harness.LoopbackServer):
    """Reads until end of stream, then answers how much it got and closes (tests half-close)."""

    def serve(self, conn):
        with conn:
            received = bytearray()
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                received += data
            conn.sendall(b"got %d bytes: %s\n" % (len(received), bytes(received[:64])))


class BlackHoleUpstream:
    """A loopback listener that never completes a connection: backlog 0 with its slot taken, so
    the kernel drops further SYNs and a connect hangs until the dialer gives up."""

    def __init__(self):
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(0)
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._filler = socket.create_connection(("127.0.0.1", self._listener.getsockname()[1]))

    def close(self):
        self._filler.close()
        self._listener.close()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """One postern-authorize and one postern-proxy sharing a secret, PKI and routes."""

    def __init__(self, name, routes, **settings):
        self.dir = harness.tmpdir(name)
        self.pki = harness.Pki(self.dir, [PROXY_NAME])
        self.secret = harness.new_secret()
        self.routes = routes
        self.settings = settings
        self.authorize = None
        self.proxy = None
        self.authorize_config = os.path.join(self.dir, "authorize.yaml")
        self.proxy_config = os.path.join(self.dir, "proxy.yaml")

    def base_config(self):
        config = {"shared_secret": self.secret, "certificate_file": self.pki.cert,
                  "certificate_key_file": self.pki.key, "routes": self.routes}
        config.update(self.settings)
        return config

    def start_authorize(self, grpc_address="127.0.0.1:0"):
        harness.write_config(self.authorize_config, self.base_config())
        self.authorize = harness.Process("authorize", [AUTHORIZE, "--config", self.authorize_config,
                                                       "--grpc-address", grpc_address])
        self.authorize_address = self.authorize.wait_for(r"listening on (\S+)").group(1)
        return self.authorize

    def write_proxy_config(self, routes=None, path=None):
        config = self.base_config()
        if routes is not None:
            config["routes"] = routes
        config.update({"address": "127.0.0.1:0", "metrics_address": "127.0.0.1:0",
                       "authorize_service_url": "http://" + self.authorize_address})
        path = path or self.proxy_config
        tmp = path + ".tmp"
        harness.write_config(tmp, config)
        os.replace(tmp, path)  # atomically, so the file watcher never sees half a file
        return path

    def start_proxy(self):
        self.write_proxy_config()
        self.proxy = harness.Process("proxy", [PROXY, "--config", self.proxy_config])
        self.metrics = self.proxy.wait_for(r"INFO metrics, health and readiness on http://(\S+)").group(1)
        self.address = self.proxy.wait_for(r"INFO listening on (\S+)").group(1)
        return self.proxy

    def token(self, email=USER, *extra):
        return service_account(self.proxy_config, email, *extra)

    def connect(self, authority, token=None, **kwargs):
        return harness.connect_tunnel(self.address, self.pki.ca_cert, authority, token, **kwargs)

    def raw(self, data):
        """Sends raw bytes over TLS and returns the parsed answer."""
        sock = harness.tls_connect(self.address, self.pki.ca_cert)
        sock.sendall(data)
        return harness.read_response(sock)

    def stop(self):
        for process in (self.proxy, self.authorize):
            if process is not None:
                process.kill()


class ProxyTest(unittest.TestCase):
    """Status codes and tunnels against one long-running deployment."""

    @classmethod
    def setUpClass(cls):
        cls.redis = FakeRedis()
        cls.echo = harness.EchoServer()
        cls.collector = CollectorUpstream()
        cls.black_hole = BlackHoleUpstream()
        routes = [
            {"from": "tcp+https://redis.localhost.example:6379", "to": "tcp://" + cls.redis.address,
             "policy": allow_email(USER)},
            {"from": "tcp+https://secret.localhost.example:6379", "to": "tcp://" + cls.redis.address,
             "policy": allow_email("boss@example.com")},
            {"from": "tcp+https://echo.localhost.example:7", "to": "tcp://" + cls.echo.address,
             "policy": allow_email(USER)},
            {"from": "tcp+https://collector.localhost.example:9", "to": "tcp://" + cls.collector.address,
             "policy": allow_email(USER)},
            {"from": "tcp+https://closed.localhost.example:1", "to": "tcp://127.0.0.1:%d" % closed_port(),
             "policy": allow_email(USER)},
            {"from": "tcp+https://blackhole.localhost.example:1", "to": "tcp://" + cls.black_hole.address,
             "policy": allow_email(USER)},
            {"from": "tcp+https://proxy.localhost.example:8443/bastion.localhost.example:6379",
             "to": "tcp://" + cls.redis.address, "policy": allow_email(USER)},
            {"from": "tcp+https://idle.localhost.example:6379", "to": "tcp://" + cls.redis.address,
             "idle_timeout": "1s", "policy": allow_email(USER)},
            {"from": "tcp+https://short.localhost.example:7", "to": "tcp://" + cls.echo.address,
             "timeout": "1s", "policy": allow_email(USER)},
        ]
        cls.deployment = Deployment("main", routes, upstream_dial_timeout="1s")
        cls.deployment.start_authorize()
        cls.deployment.start_proxy()
        cls.token = cls.deployment.token()

    @classmethod
    def tearDownClass(cls):
        cls.deployment.stop()
        for upstream in (cls.redis, cls.echo, cls.collector, cls.black_hole):
            upstream.close()

    def connect(self, authority, token=None, **kwargs):
        log_mark = len(self.deployment.proxy.lines())
        result = self.deployment.connect(authority, token, **kwargs)
        result.log_mark = log_mark
        self.addCleanup(result.sock.close)
        return result

    def test_redis_ping_set_get_through_a_tunnel(self):
        result = self.connect("redis.localhost.example:6379", self.token)
        self.assertEqual(result.status, 200)
        sock = result.sock
        self.assertEqual(redis_ping(sock, result.leftover), b"+PONG\r\n")
        sock.sendall(resp_command("SET", "tunnel-key", "value through postern"))
        self.assertEqual(harness.recv_until(sock, b"\r\n"), b"+OK\r\n")
        sock.sendall(resp_command("GET", "tunnel-key"))
        self.assertEqual(harness.recv_until(sock, b"value through postern\r\n"),
                         b"$21\r\nvalue through postern\r\n")

    def test_all_three_token_header_forms_open_a_tunnel(self):
        for header, value in [("Authorization: Pomerium", self.token),
                              ("X-Pomerium-Authorization:", self.token),
                              ("Authorization: Bearer", "Pomerium-" + self.token)]:
            result = self.connect("redis.localhost.example:6379", value, header=header)
            self.assertEqual(result.status, 200, header)
            self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n", header)

    def test_bastion_route_by_target(self):
        result = self.connect("bastion.localhost.example:6379", self.token)
        self.assertEqual(result.status, 200)
        self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")

    def test_bytes_pipelined_after_the_connect_head_reach_the_upstream(self):
        result = self.connect("redis.localhost.example:6379", self.token,
                              extra=resp_command("PING") + resp_command("ECHO", "pipelined"))
        self.assertEqual(result.status, 200)
        self.assertEqual(harness.recv_until(result.sock, b"pipelined\r\n", result.leftover),
                         b"+PONG\r\n$9\r\npipelined\r\n")

    def test_401_without_token_with_garbage_wrong_key_or_expired_token(self):
        other_secret = harness.new_secret()
        tokens = {
            "no token": None,
            "garbage": "not-a-jwt",
            "wrong key": hs256_token(other_secret, session_claims(USER)),
            "expired": hs256_token(self.deployment.secret,
                                   session_claims(USER, iat=int(time.time()) - 7200,
                                                  exp=int(time.time()) - 3600)),
        }
        TOKENS.extend(t for t in tokens.values() if t)
        for why, token in tokens.items():
            result = self.connect("redis.localhost.example:6379", token)
            self.assertEqual(result.status, 401, why)
            self.assertTrue(result.body, why)
        self.assertIn("expired", self.connect("redis.localhost.example:6379",
                                              tokens["expired"]).body)

    def test_403_names_the_policy_reason(self):
        result = self.connect("secret.localhost.example:6379", self.token)
        self.assertEqual(result.status, 403)
        self.assertRegex(result.body, r"rule|email")
        self.assertEqual(result.headers.get("connection"), "close")

    def test_refused_clients_get_a_session_ticket_too(self):
        # The proxy sends its TLS 1.3 tickets while the Check is in flight, so
        # answers that come without one (404) or after a refusal (403) must
        # still have sent them: a client that fixes its request resumes.
        for authority, status in (("secret.localhost.example:6379", 403),
                                  ("unknown.localhost.example:6379", 404)):
            with self.subTest(status=status):
                refused = self.connect(authority, self.token)
                self.assertEqual(refused.status, status)
                self.assertFalse(refused.sock.session_reused)
                again = self.connect("redis.localhost.example:6379", self.token,
                                     session=refused.sock.session)
                self.assertEqual(again.status, 200)
                self.assertTrue(again.sock.session_reused,
                                "the refused connection's ticket did not resume")

    def test_404_for_an_unknown_route_without_asking_authorize(self):
        result = self.connect("unknown.localhost.example:6379", self.token)
        self.assertEqual(result.status, 404)
        self.assertIn("unknown.localhost.example:6379", result.body)
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["status"], 404)
        self.assertEqual(line["decision"], "")
        # authorize logs decisions in order: once the decision of a later
        # request is in its log, one for the 404 would be too.
        mark = len(self.deployment.authorize.lines())
        later = self.connect("bastion.localhost.example:6379", self.token)
        self.assertEqual(later.status, 200)
        self.deployment.authorize.wait_for(r'"route":"bastion.localhost.example:6379"', start=mark)
        self.assertEqual(self.deployment.authorize.count(r"unknown\.localhost\.example"), 0)

    def test_400_for_malformed_requests(self):
        for request in [b"CONNECT nonsense HTTP/1.1\r\nHost: nonsense\r\n\r\n",
                        b"CONNECT a.example:1 HTTP/1.1\r\nHost: a.example:1\r\nX: a\rb\r\n\r\n",
                        b"\x16\x03\x01 binary junk\r\n\r\n",
                        b"CONNECT a.example:1 HTTP/1.1\r\nAuthorization: Pomerium a\r\n"
                        b"Authorization: Pomerium b\r\n\r\n"]:
            result = self.deployment.raw(request)
            self.addCleanup(result.sock.close)
            self.assertEqual(result.status, 400, request)

    def test_405_for_other_methods(self):
        result = self.deployment.raw(b"GET / HTTP/1.1\r\nHost: proxy.localhost.example\r\n\r\n")
        self.addCleanup(result.sock.close)
        self.assertEqual(result.status, 405)
        self.assertEqual(result.headers.get("allow"), "CONNECT")

    def test_431_for_a_17_kib_header_block(self):
        request = (b"CONNECT redis.localhost.example:6379 HTTP/1.1\r\nHost: redis.localhost.example:6379\r\n"
                   b"X-Padding: " + b"a" * (17 * 1024) + b"\r\n\r\n")
        result = self.deployment.raw(request)
        self.addCleanup(result.sock.close)
        self.assertEqual(result.status, 431)

    def test_502_when_the_upstream_refuses(self):
        result = self.connect("closed.localhost.example:1", self.token)
        self.assertEqual(result.status, 502)
        self.assertNotIn("127.0.0.1", result.body, "internal addresses stay in the log")
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["status"], 502)
        self.assertIn("refused", line["close_reason"])

    def test_504_when_the_upstream_does_not_answer_within_the_dial_timeout(self):
        started = time.monotonic()
        result = self.connect("blackhole.localhost.example:1", self.token)
        self.assertEqual(result.status, 504)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_half_close_reaches_the_upstream_and_the_answer_still_comes_back(self):
        result = self.connect("collector.localhost.example:9", self.token)
        self.assertEqual(result.status, 200)
        result.sock.sendall(b"hello upstream")
        half_close(result.sock)
        answer = harness.recv_until(result.sock, b"\n", result.leftover)
        self.assertEqual(answer, b"got 14 bytes: hello upstream\n")
        self.assertEqual(result.sock.recv(100), b"", "then the upstream's end of stream")
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["close_reason"], "client closed")
        self.assertEqual(line["bytes_up"], 14)

    def test_tls_half_close_with_close_notify(self):
        client = MemoryTlsClient(self.deployment.address, self.deployment.pki.ca_cert)
        self.addCleanup(client.raw.close)
        client.send(b"CONNECT collector.localhost.example:9 HTTP/1.1\r\n"
                    b"Host: collector.localhost.example:9\r\n"
                    b"Authorization: Pomerium " + self.token.encode() + b"\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv()
        head, _, received = head.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        client.send(b"sent before close_notify")
        client.close_notify()
        while not received.endswith(b"\n"):
            chunk = client.recv()
            self.assertTrue(chunk, "stream ended before the upstream's answer: %r" % received)
            received += chunk
        self.assertEqual(received, b"got 24 bytes: sent before close_notify\n")
        self.assertEqual(client.recv(), b"")

    def test_100_mib_both_ways_byte_exact(self):
        size = 100 * 1024 * 1024
        result = self.connect("echo.localhost.example:7", self.token, timeout=120)
        self.assertEqual(result.status, 200)
        block = os.urandom(1 << 20)
        # A different block each time, so that a reordering changes the hash.
        pieces = (hashlib.sha256(block + i.to_bytes(4, "big")).digest() * (len(block) // 32)
                  for i in range(size // len(block)))
        sent_hash, sent, received_hash, received = exchange(result.sock, pieces, result.leftover)
        self.assertEqual(sent, size)
        self.assertEqual(received, size)
        self.assertEqual(received_hash, sent_hash)
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["bytes_up"], size)
        self.assertEqual(line["bytes_down"], size)

    def test_200_concurrent_tunnels(self):
        count = 200
        results = [None] * count
        errors = []

        def open_tunnel(i):
            try:
                results[i] = self.deployment.connect("redis.localhost.example:6379", self.token)
            except Exception as e:  # reported below with its index
                errors.append((i, e))

        threads = [threading.Thread(target=open_tunnel, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for r in results:
            if r is not None:
                self.addCleanup(r.sock.close)
        self.assertEqual(errors, [])
        self.assertEqual([r.status for r in results], [200] * count)
        # All are open at once now; each does its own round trip.
        replies = [None] * count

        def ping(i):
            replies[i] = redis_ping(results[i].sock, results[i].leftover)

        threads = [threading.Thread(target=ping, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(replies, [b"+PONG\r\n"] * count)
        status, page = http_get("http://%s/metrics" % self.deployment.metrics)
        self.assertEqual(status, 200)
        active = re.search(r'postern_tunnels_active\{route="redis.localhost.example:6379"\} (\d+)',
                           page)
        self.assertGreaterEqual(int(active.group(1)), count)

    def test_route_idle_timeout_closes_a_quiet_tunnel(self):
        result = self.connect("idle.localhost.example:6379", self.token)
        self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
        started = time.monotonic()
        self.assertEqual(result.sock.recv(100), b"", "closed by the proxy")
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["close_reason"], "idle timeout")

    def test_route_timeout_ends_even_a_busy_tunnel(self):
        result = self.connect("short.localhost.example:7", self.token)
        self.assertEqual(result.status, 200)
        started = time.monotonic()
        try:
            while True:  # keep it busy: the echo answers every write
                result.sock.sendall(b"x" * 1024)
                if not result.sock.recv(65536):
                    break
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            pass
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        line = wait_for_access_line(self.deployment.proxy, result.sock.getsockname()[1],
                                    start=result.log_mark)
        self.assertEqual(line["close_reason"], "max duration")

    def test_tls_session_resumes_on_another_replica(self):
        replica = harness.Process("replica", [PROXY, "--config", self.deployment.proxy_config])
        self.addCleanup(replica.kill)
        replica_address = replica.wait_for(r"INFO listening on (\S+)").group(1)
        context = ssl.create_default_context(cafile=self.deployment.pki.ca_cert)
        context.set_alpn_protocols(["http/1.1"])

        def tunnel(address, session=None):
            raw = socket.create_connection(harness.split_address(address), timeout=20)
            sock = context.wrap_socket(raw, server_hostname=PROXY_NAME, session=session)
            self.addCleanup(sock.close)
            sock.sendall(b"CONNECT redis.localhost.example:6379 HTTP/1.1\r\n"
                         b"Authorization: Pomerium " + self.token.encode() + b"\r\n\r\n")
            result = harness.read_response(sock)
            self.assertEqual(result.status, 200)
            # TLS 1.3 tickets come after the handshake: a round trip makes sure it arrived.
            self.assertEqual(redis_ping(sock, result.leftover), b"+PONG\r\n")
            return sock

        first = tunnel(self.deployment.address)
        self.assertFalse(first.session_reused)
        second = tunnel(replica_address, session=first.session)
        self.assertTrue(second.session_reused, "the replica accepted the first proxy's ticket")

    def test_access_log_line_of_a_tunnel(self):
        result = self.connect("redis.localhost.example:6379", self.token)
        self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
        port = result.sock.getsockname()[1]
        result.sock.close()
        line = wait_for_access_line(self.deployment.proxy, port)
        self.assertEqual(line["user"], USER)
        self.assertEqual(line["email"], USER)
        self.assertTrue(line["session_id"])
        self.assertEqual(line["authority"], "redis.localhost.example:6379")
        self.assertEqual(line["route"], "tcp+https://redis.localhost.example:6379")
        self.assertEqual(line["upstream"], self.redis.address)
        self.assertEqual(line["upstream_address"], self.redis.address)
        self.assertEqual(line["decision"], "allow")
        self.assertEqual(line["status"], 200)
        self.assertEqual(line["bytes_up"], len(resp_command("PING")))
        self.assertEqual(line["bytes_down"], len(b"+PONG\r\n"))
        self.assertGreaterEqual(line["duration_ms"], 0)
        self.assertEqual(line["close_reason"], "client closed")
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_metrics_health_and_readiness(self):
        result = self.connect("redis.localhost.example:6379", self.token)
        self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
        port = result.sock.getsockname()[1]
        result.sock.close()
        wait_for_access_line(self.deployment.proxy, port)
        status, page = http_get("http://%s/metrics" % self.deployment.metrics)
        self.assertEqual(status, 200)
        total = re.search(
            r'^postern_tunnels_total\{route="redis.localhost.example:6379",status="200"\} (\d+)$',
            page, re.M)
        self.assertGreaterEqual(int(total.group(1)), 1)
        up = re.search(r'^postern_tunnel_bytes_total\{direction="up",'
                       r'route="redis.localhost.example:6379"\} (\d+)$', page, re.M)
        self.assertGreaterEqual(int(up.group(1)), len(resp_command("PING")))
        self.assertRegex(page, r"(?m)^postern_authorize_duration_seconds_count [1-9]\d*$")
        self.assertIn("# TYPE postern_upstream_dial_failures_total counter", page)
        self.assertEqual(http_get("http://%s/healthz" % self.deployment.metrics), (200, "ok\n"))
        self.assertEqual(http_get("http://%s/readyz" % self.deployment.metrics), (200, "ready\n"))
        self.assertEqual(http_get("http://%s/nope" % self.deployment.metrics)[0], 404)

    def test_metrics_answers_malformed_requests_and_keeps_serving(self):
        def answer(request):
            with socket.create_connection(harness.split_address(self.deployment.metrics),
                                          timeout=20) as sock:
                sock.sendall(request)
                return harness.recv_until(sock, b"\r\n\r\n").split(b"\r\n")[0]

        self.assertEqual(answer(b"\x00\x01 not http\r\n\r\n"), b"HTTP/1.1 400 Bad Request")
        self.assertEqual(answer(b"GET /metrics HTTP/1.1\r\nHost: m\r\nX: " + b"a" * 200000
                                + b"\r\n\r\n"),
                         b"HTTP/1.1 431 Request Header Fields Too Large")
        self.assertEqual(answer(b"POST /metrics HTTP/1.1\r\nHost: m\r\nContent-Length: 5\r\n"
                                b"\r\nhello"), b"HTTP/1.1 413 Payload Too Large")
        self.assertEqual(http_get("http://%s/healthz" % self.deployment.metrics), (200, "ok\n"))

    def test_zz_no_token_in_any_log(self):
        # Runs last (alphabetical order): by now every token has been sent.
        self.assertTrue(TOKENS)
        output = self.deployment.proxy.output() + self.deployment.authorize.output()
        for token in TOKENS:
            for part in token.split("."):
                if len(part) > 20:
                    self.assertNotIn(part, output)


class AuthorizeOutageTest(unittest.TestCase):
    def test_503_while_authorize_is_down_and_tunnels_again_once_it_is_back(self):
        with FakeRedis() as redis:
            deployment = Deployment("outage", [
                {"from": "tcp+https://redis.localhost.example:6379", "to": "tcp://" + redis.address,
                 "policy": allow_email(USER)}], authorize_timeout="2s")
            self.addCleanup(deployment.stop)
            deployment.start_authorize()
            deployment.start_proxy()
            token = deployment.token()
            result = deployment.connect("redis.localhost.example:6379", token)
            self.assertEqual(result.status, 200)
            result.sock.close()

            self.assertEqual(deployment.authorize.stop(signal.SIGKILL), -signal.SIGKILL)
            result = deployment.connect("redis.localhost.example:6379", token)
            self.assertEqual(result.status, 503)
            self.assertIn("authorization service unavailable", result.body)
            result.sock.close()
            deployment.proxy.wait_for(r"authorize service at \S+ unavailable")
            self.assertEqual(http_get("http://%s/readyz" % deployment.metrics)[0], 503)

            mark = len(deployment.proxy.lines())
            deployment.start_authorize(grpc_address=deployment.authorize_address)
            # The proxy retries connecting at least once a second and a check
            # waits for the connection (up to authorize_timeout), so the first
            # tunnel after the restart succeeds.
            result = deployment.connect("redis.localhost.example:6379", token)
            self.assertEqual(result.status, 200)
            self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
            result.sock.close()
            deployment.proxy.wait_for(r"authorize service at \S+ answering again", start=mark)
            self.assertEqual(http_get("http://%s/readyz" % deployment.metrics)[0], 200)

    def test_not_ready_before_authorize_has_ever_answered(self):
        # A load balancer probes a fresh replica at once: until the proxy has
        # reached authorize, every tunnel would get 503, so /readyz must not
        # say "ready" (the channel's initial idle state is not "reachable").
        with FakeRedis() as redis:
            deployment = Deployment("neverup", [
                {"from": "tcp+https://redis.localhost.example:6379", "to": "tcp://" + redis.address,
                 "policy": allow_email(USER)}], authorize_timeout="2s")
            self.addCleanup(deployment.stop)
            deployment.authorize_address = "127.0.0.1:%d" % harness.free_port()
            deployment.start_proxy()
            for _ in range(3):
                self.assertEqual(http_get("http://%s/readyz" % deployment.metrics),
                                 (503, "not ready\n"))

            deployment.start_authorize(grpc_address=deployment.authorize_address)
            result = deployment.connect("redis.localhost.example:6379", deployment.token())
            self.assertEqual(result.status, 200)
            result.sock.close()
            self.assertEqual(http_get("http://%s/readyz" % deployment.metrics), (200, "ready\n"))


class ReloadTest(unittest.TestCase):
    def test_bad_file_keeps_old_routes_and_good_file_adds_new_ones(self):
        with FakeRedis() as redis:
            old_route = {"from": "tcp+https://old.localhost.example:6379", "to": "tcp://" + redis.address,
                         "policy": allow_email(USER)}
            new_route = {"from": "tcp+https://new.localhost.example:6379", "to": "tcp://" + redis.address,
                         "policy": allow_email(USER)}
            deployment = Deployment("reload", [old_route, new_route])
            self.addCleanup(deployment.stop)
            deployment.start_authorize()  # knows both routes
            deployment.routes = [old_route]
            deployment.start_proxy()
            token = deployment.token()
            result = deployment.connect("new.localhost.example:6379", token)
            result.sock.close()
            self.assertEqual(result.status, 404)

            mark = len(deployment.proxy.lines())
            with open(deployment.proxy_config, "w") as f:
                f.write("routes:\n  - from: tcp+https://broken\n")
            deployment.proxy.send_signal(signal.SIGHUP)
            deployment.proxy.wait_for(r"config reload \((SIGHUP|config file changed)\) failed; still "
                                      r"serving the previous config", start=mark)
            result = deployment.connect("old.localhost.example:6379", token)
            self.assertEqual(result.status, 200)
            self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
            result.sock.close()

            mark = len(deployment.proxy.lines())
            deployment.write_proxy_config(routes=[old_route, new_route])
            deployment.proxy.send_signal(signal.SIGHUP)
            deployment.proxy.wait_for(r"config reloaded", start=mark)
            result = deployment.connect("new.localhost.example:6379", token)
            self.assertEqual(result.status, 200)
            self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")
            result.sock.close()


class ShutdownTest(unittest.TestCase):
    def test_sigterm_drains_open_tunnels_refuses_new_ones_and_exits_0(self):
        with FakeRedis() as redis:
            deployment = Deployment("drain", [
                {"from": "tcp+https://redis.localhost.example:6379", "to": "tcp://" + redis.address,
                 "policy": allow_email(USER)}], shutdown_drain_timeout="3s")
            self.addCleanup(deployment.stop)
            deployment.start_authorize()
            deployment.start_proxy()
            token = deployment.token()
            finishing = deployment.connect("redis.localhost.example:6379", token)
            lingering = deployment.connect("redis.localhost.example:6379", token)
            self.assertEqual([finishing.status, lingering.status], [200, 200])

            deployment.proxy.send_signal(signal.SIGTERM)
            deployment.proxy.wait_for(r"draining 2 tunnels")
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(harness.split_address(deployment.address), timeout=5)
            # Open tunnels keep working during the drain.
            self.assertEqual(redis_ping(finishing.sock, finishing.leftover), b"+PONG\r\n")
            self.assertEqual(redis_ping(lingering.sock, lingering.leftover), b"+PONG\r\n")
            finishing_port = finishing.sock.getsockname()[1]
            finishing.sock.close()
            self.assertEqual(wait_for_access_line(deployment.proxy, finishing_port)["close_reason"],
                             "client closed")
            # The other one is closed when the drain timeout passes.
            deployment.proxy.wait_for(r"closing 1 tunnels still open after the drain timeout")
            self.assertEqual(lingering.sock.recv(100), b"")
            line = wait_for_access_line(deployment.proxy, lingering.sock.getsockname()[1])
            self.assertEqual(line["close_reason"], "shutdown")
            lingering.sock.close()
            self.assertEqual(deployment.proxy.stop(timeout=20), 0, deployment.proxy.output())

    def test_second_sigterm_ends_the_drain_at_once(self):
        with FakeRedis() as redis:
            deployment = Deployment("drain-twice", [
                {"from": "tcp+https://redis.localhost.example:6379", "to": "tcp://" + redis.address,
                 "policy": allow_email(USER)}], shutdown_drain_timeout="60s")
            self.addCleanup(deployment.stop)
            deployment.start_authorize()
            deployment.start_proxy()
            lingering = deployment.connect("redis.localhost.example:6379", deployment.token())
            self.addCleanup(lingering.sock.close)
            self.assertEqual(lingering.status, 200)

            deployment.proxy.send_signal(signal.SIGTERM)
            deployment.proxy.wait_for(r"draining 1 tunnels \(up to 1m\)")
            deployment.proxy.send_signal(signal.SIGTERM)
            deployment.proxy.wait_for(r"closing 1 tunnels still open: SIGTERM during the drain",
                                      timeout=10)
            self.assertEqual(deployment.proxy.proc.wait(10), 0, deployment.proxy.output())
            line = wait_for_access_line(deployment.proxy, lingering.sock.getsockname()[1])
            self.assertEqual(line["close_reason"], "shutdown")


class CommandLineTest(unittest.TestCase):
    def run_proxy(self, *args):
        return subprocess.run([PROXY] + list(args), capture_output=True, timeout=60)

    def test_help_and_version(self):
        result = self.run_proxy("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"service-account", result.stdout)
        result = self.run_proxy("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.decode(), r"^postern-proxy \d+\.\d+\.\d+\n$")

    def test_bad_usage_and_bad_config_exit_2(self):
        tmp = harness.tmpdir("cli")
        no_cert = harness.write_config(os.path.join(tmp, "nocert.yaml"),
                                       {"shared_secret": harness.new_secret()})
        for args, message in [
            (["--bogus"], "unknown flag --bogus"),
            ([], "--config FILE is required"),
            (["serve", "--config", "x"], 'unexpected argument "serve"'),
            (["--config", "/nonexistent.yaml"], "/nonexistent.yaml"),
            (["--config", no_cert, "--address", "127.0.0.1:0"], "certificate_file"),
            (["--config", no_cert, "--address", "no-port"], "--address no-port"),
            (["service-account", "--config", no_cert], "--email EMAIL is required"),
        ]:
            result = self.run_proxy(*args)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn(message, result.stderr.decode(), args)

    def test_address_in_use_exits_1(self):
        deployment = Deployment("inuse", [])
        harness.write_config(deployment.proxy_config, dict(deployment.base_config(),
                                                           authorize_service_url="http://127.0.0.1:1"))
        with socket.create_server(("127.0.0.1", 0)) as taken:
            address = "127.0.0.1:%d" % taken.getsockname()[1]
            result = self.run_proxy("--config", deployment.proxy_config, "--address", address)
        self.assertEqual(result.returncode, 1, result.stderr.decode())
        self.assertIn("cannot listen on " + address, result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
