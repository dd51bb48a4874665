"""System tests of `postern tcp` with the real proxy, authorize service and real clients.

One stack serves every test: postern-authorize, postern-proxy (TLS with a
throwaway CA), and three upstreams on free loopback ports: Debian's
redis-server, OpenSSH's sshd, and an echo server. The CLI is driven the way
users drive it: redis-cli through its local listener, ssh through
ProxyCommand with `--listen -`, and pipes.

sshd must run as root with its privilege-separation directory, so this test
runs outside Bazel's sandbox (whose user namespace maps only root) and gives
sshd a private /run in a mount namespace of its own.
"""

import hashlib
import os
import signal
import socket
import struct
import subprocess
import threading
import unittest

from testing.harness import harness

POSTERN = harness.binary("cli/postern")

REDIS_ROUTE = "redis.corp.example.com:6379"
SSH_ROUTE = "ssh.corp.example.com:22"
ECHO_ROUTE = "echo.corp.example.com:7"
ALICE = "alice@example.com"
MALLORY = "mallory@example.com"


def start_with_free_port(name, make_args, ready, attempts=3):
    """Starts a server that needs a fixed port; retries if another process took the port first."""
    for _ in range(attempts):
        port = harness.free_port()
        process = harness.Process(name, make_args(port))
        try:
            process.wait_for(ready)
            return process, port
        except AssertionError:
            process.kill()
            if "in use" not in process.output():
                raise
    raise AssertionError("%s found no free port in %d attempts" % (name, attempts))


class Sshd:
    """A real sshd on a free loopback port accepting one client key for root."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "sshd")
        os.makedirs(self.dir, exist_ok=True)
        host_key = os.path.join(self.dir, "host_key")
        self.client_key = os.path.join(self.dir, "client_key")
        for key in (host_key, self.client_key):
            for stale in (key, key + ".pub"):
                if os.path.exists(stale):
                    os.remove(stale)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        authorized = os.path.join(self.dir, "authorized_keys")
        with open(self.client_key + ".pub") as public, open(authorized, "w") as out:
            out.write(public.read())
        with open(host_key + ".pub") as public:
            self.host_key_line = " ".join(public.read().split()[:2])
        self.config = os.path.join(self.dir, "sshd_config")

        def args(port):
            with open(self.config, "w") as f:
                f.write("\n".join([
                    "Port %d" % port, "ListenAddress 127.0.0.1", "HostKey " + host_key,
                    "AuthorizedKeysFile " + authorized, "PidFile none", "StrictModes no",
                    "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password", "LogLevel INFO", ""]))
            return ["unshare", "--mount", "sh", "-c",
                    "mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && "
                    "exec /usr/sbin/sshd -D -e -f " + self.config]

        self.process, self.port = start_with_free_port("sshd", args, r"Server listening on")

    def stop(self):
        self.process.stop()


class Redis:
    def __init__(self, tmp):
        directory = os.path.join(tmp, "redis")
        os.makedirs(directory, exist_ok=True)

        def args(port):
            return ["sh", "-c", "exec redis-server --bind 127.0.0.1 --port %d --save '' "
                    "--appendonly no --dir %s --daemonize no 1>&2" % (port, directory)]

        self.process, self.port = start_with_free_port("redis", args, r"Ready to accept|in use")
        if "in use" in self.process.output():
            raise AssertionError(self.process.output())

    def stop(self):
        self.process.stop()


class Stack:
    """postern-authorize + postern-proxy with routes to the three upstreams."""

    def __init__(self):
        self.tmp = harness.tmpdir("cli_tcp")
        self.pki = harness.Pki(harness.tmpdir("cli_tcp/pki"), ["localhost"])
        self.other_pki = harness.Pki(harness.tmpdir("cli_tcp/other-pki"), ["localhost"],
                                     ca_name="Someone Else's CA")
        self.redis = Redis(self.tmp)
        self.sshd = Sshd(self.tmp)
        self.echo = harness.EchoServer()
        alice_only = [{"allow": {"or": [{"email": {"is": ALICE}}]}}]
        routes = [
            {"from": "tcp+https://" + REDIS_ROUTE, "to": "tcp://127.0.0.1:%d" % self.redis.port,
             "policy": alice_only},
            {"from": "tcp+https://" + SSH_ROUTE, "to": "tcp://127.0.0.1:%d" % self.sshd.port,
             "policy": alice_only},
            {"from": "tcp+https://" + ECHO_ROUTE, "to": "tcp://127.0.0.1:%d" % self.echo.port,
             "policy": alice_only},
        ]
        self.postern = harness.Postern(self.tmp, {
            "shared_secret": harness.new_secret(), "certificate_file": self.pki.cert,
            "certificate_key_file": self.pki.key, "routes": routes})
        self.proxy = self.postern.proxy
        self.proxy_port = harness.split_address(self.postern.address)[1]
        self.proxy_url = "https://localhost:%d" % self.proxy_port
        self.alice = self.token(ALICE)
        self.mallory = self.token(MALLORY)
        self.alice_file = os.path.join(self.tmp, "alice.jwt")
        with open(self.alice_file, "w") as f:
            f.write(self.alice + "\n")

    def token(self, email):
        return self.postern.service_account(email)

    def stop(self):
        self.postern.stop()
        self.redis.stop()
        self.sshd.stop()
        self.echo.close()


STACK = None


def setUpModule():
    global STACK
    STACK = Stack()


def tearDownModule():
    if STACK:
        STACK.stop()


def cli_env(cache_home=None):
    """The CLI's environment: its own token cache, never the real user's."""
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = cache_home or harness.tmpdir("empty-cache")
    return env


def postern_args(*args, proxy_url=True, ca=True, token_file=True):
    out = [POSTERN, "tcp"]
    if proxy_url:
        out += ["--proxy-url", STACK.proxy_url]
    if ca:
        out += ["--ca-cert-file", STACK.pki.ca_cert]
    if token_file:
        out += ["--service-account-file", STACK.alice_file]
    return out + list(args)


class Listener:
    """`postern tcp` with a local listener, started and stopped around a test."""

    def __init__(self, *args, env=None, **kwargs):
        self.process = harness.Process("postern", postern_args(*args, **kwargs),
                                       env=env or cli_env())
        self.port = int(self.process.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def stop(self, sig=signal.SIGTERM):
        return self.process.stop(sig)


def run_stdio(args, data=b"", env=None, timeout=120):
    """Runs `postern tcp --listen - ...` with `data` on stdin; returns the CompletedProcess."""
    return subprocess.run([args[0], "tcp", "--listen", "-"] + args[2:], input=data,
                          capture_output=True, env=env or cli_env(), timeout=timeout)


class RedisThroughListenerTest(unittest.TestCase):
    def redis_cli(self, port, *command):
        result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)] + list(command),
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.decode()

    def test_readme_example_set_get_keys(self):
        listener = Listener(REDIS_ROUTE)
        try:
            self.assertEqual(self.redis_cli(listener.port, "SET", "greeting", "hello"), "OK\n")
            self.assertEqual(self.redis_cli(listener.port, "GET", "greeting"), "hello\n")
            self.assertIn("greeting", self.redis_cli(listener.port, "KEYS", "*").split())
            listener.process.wait_for(r"#3 closed after [\d.]+s: \d+ bytes sent, \d+ bytes "
                                      r"received \(local side finished first\)")
        finally:
            status = listener.stop()
        self.assertEqual(status, 0, listener.process.output())
        log = listener.process.output()
        self.assertRegex(log, r"#1 connection from 127\.0\.0\.1:\d+; connecting to "
                              r"redis\.corp\.example\.com:6379 via localhost:%d" % STACK.proxy_port)
        self.assertRegex(log, r"#1 connected \(TLSv1\.[23], new session\)")
        # The proxy renews the ticket on every resumption, so each later
        # connection in a row resumes (not every other one).
        self.assertRegex(log, r"#2 connected \(TLSv1\.[23], resumed session\)")
        self.assertRegex(log, r"#3 connected \(TLSv1\.[23], resumed session\)")
        self.assertIn("shutting down (SIGTERM)", log)
        self.assertNotIn(STACK.alice, log)

    def test_bastion_dest_names_the_proxy_without_proxy_url(self):
        dest = "tcp+https://localhost:%d/%s" % (STACK.proxy_port, REDIS_ROUTE)
        listener = Listener(dest, proxy_url=False)
        try:
            self.assertEqual(self.redis_cli(listener.port, "PING"), "PONG\n")
        finally:
            self.assertEqual(listener.stop(), 0)

    def test_ctrl_c_closes_open_tunnels_and_exits_0(self):
        listener = Listener(REDIS_ROUTE)
        conn = listener.connect()
        try:
            conn.sendall(b"PING\r\n")
            self.assertEqual(harness.recv_exactly(conn, 7), b"+PONG\r\n")
            status = listener.stop(signal.SIGINT)
            self.assertEqual(status, 0, listener.process.output())
            self.assertEqual(conn.recv(100), b"", "the local connection must be closed")
        finally:
            conn.close()
        self.assertRegex(listener.process.output(), r"#1 closed after .*\(shutting down\)")


class SshProxyCommandTest(unittest.TestCase):
    def ssh(self, command, data=b""):
        home = harness.tmpdir("ssh-home")
        known_hosts = os.path.join(home, "known_hosts")
        with open(known_hosts, "w") as f:
            f.write("ssh.corp.example.com %s\n" % STACK.sshd.host_key_line)
        proxy_command = " ".join(postern_args("--listen", "-", "%h:%p"))
        env = cli_env()
        env["HOME"] = home
        return subprocess.run(
            ["ssh", "-F", "none", "-i", STACK.sshd.client_key, "-o", "BatchMode=yes",
             "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
             "-o", "UserKnownHostsFile=" + known_hosts, "-o", "ProxyCommand=" + proxy_command,
             "-p", "22", "root@ssh.corp.example.com", command],
            input=data, capture_output=True, env=env, timeout=120)

    def test_ssh_runs_a_command_through_the_tunnel(self):
        result = self.ssh("echo hello from sshd")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"hello from sshd\n")

    def test_ssh_carries_a_megabyte_both_ways(self):
        data = os.urandom(1 << 20)
        result = self.ssh("sha256sum", data)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout.decode().split()[0], hashlib.sha256(data).hexdigest())


class StdioTest(unittest.TestCase):
    def test_ten_mebibytes_byte_exact_with_half_close(self):
        data = os.urandom(10 << 20)
        result = run_stdio(postern_args(ECHO_ROUTE), data)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(len(result.stdout), len(data))
        self.assertTrue(result.stdout == data, "stdout differs from what went in")
        stderr = result.stderr.decode()
        self.assertRegex(stderr, r"closed after [\d.]+s: 10485760 bytes sent, 10485760 bytes "
                                 r"received \(local side finished first\)")

    def test_hangup_from_ssh_ends_the_tunnel_with_status_0(self):
        # ssh sends its ProxyCommand SIGHUP when it exits.
        process = harness.Process("postern", postern_args("--listen", "-", ECHO_ROUTE),
                                  env=cli_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            process.proc.stdin.write(b"still here?")
            process.proc.stdin.flush()
            self.assertEqual(process.proc.stdout.read(11), b"still here?")
            self.assertEqual(process.stop(signal.SIGHUP), 0, process.output())
        finally:
            process.kill()
            process.proc.stdin.close()
            process.proc.stdout.close()
        self.assertIn("shutting down (SIGHUP)", process.output())

    def test_empty_input_still_opens_and_closes_the_tunnel(self):
        result = run_stdio(postern_args(ECHO_ROUTE))
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"")


class ConcurrencyTest(unittest.TestCase):
    def test_fifty_concurrent_connections_each_get_their_own_tunnel(self):
        count = 50
        listener = Listener(ECHO_ROUTE)
        barrier = threading.Barrier(count)
        results = [None] * count

        def client(i):
            payload = (b"%03d" % i) * 20000
            try:
                with listener.connect() as conn:
                    barrier.wait(30)
                    conn.sendall(payload)
                    conn.shutdown(socket.SHUT_WR)
                    results[i] = harness.recv_exactly(conn, len(payload) + 1) == payload
            except Exception as e:  # reported below with the others
                results[i] = repr(e)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        try:
            self.assertEqual(results, [True] * count)
            for i in range(1, count + 1):
                listener.process.wait_for(r"#%d closed after .*finished first\)" % i)
        finally:
            self.assertEqual(listener.stop(), 0)
        log = listener.process.output()
        self.assertEqual(listener.process.count(r"#\d+ connected \("), count)
        self.assertGreater(listener.process.count(r"connected \(.*resumed session"), 0, log)

    def test_a_failing_connection_does_not_disturb_the_others(self):
        listener = Listener(REDIS_ROUTE)
        try:
            with listener.connect() as good:
                good.sendall(b"PING\r\n")
                self.assertEqual(harness.recv_exactly(good, 7), b"+PONG\r\n")
                # A client that resets its connection mid-tunnel.
                bad = listener.connect()
                bad.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                bad.sendall(b"PING\r\n")
                self.assertEqual(harness.recv_exactly(bad, 7), b"+PONG\r\n")
                bad.close()
                listener.process.wait_for(r"#2 closed after")
                good.sendall(b"PING\r\n")
                self.assertEqual(harness.recv_exactly(good, 7), b"+PONG\r\n")
        finally:
            self.assertEqual(listener.stop(), 0)


class ErrorTest(unittest.TestCase):
    def assertFails(self, result, message):
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 1, stderr)
        self.assertEqual(result.stdout, b"")
        self.assertIn(message, stderr)
        last = stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("postern: "), last)

    def test_wrong_ca_names_the_host_and_the_reason(self):
        args = postern_args(REDIS_ROUTE, ca=False)
        args[2:2] = ["--ca-cert-file", STACK.other_pki.ca_cert]
        result = run_stdio(args)
        self.assertFails(result, "postern: TLS certificate of localhost not accepted: ")
        self.assertIn("--ca-cert-file", result.stderr.decode())

    def test_system_trust_store_refuses_a_private_ca(self):
        result = run_stdio(postern_args(REDIS_ROUTE, ca=False))
        self.assertFails(result, "TLS certificate of localhost not accepted: ")
        self.assertIn("pass --ca-cert-file", result.stderr.decode())

    def test_hostname_is_verified(self):
        args = postern_args(REDIS_ROUTE, proxy_url=False)
        args[2:2] = ["--proxy-url", "https://127.0.0.1:%d" % STACK.proxy_port]
        self.assertFails(run_stdio(args),
                         "TLS certificate of 127.0.0.1 not accepted: IP address mismatch")

    def test_disabled_verification_works_and_warns(self):
        args = postern_args(ECHO_ROUTE, ca=False, proxy_url=False)
        args[2:2] = ["--disable-tls-verification", "--log-level", "error",
                     "--proxy-url", "https://127.0.0.1:%d" % STACK.proxy_port]
        result = run_stdio(args, b"ping")
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"ping")
        self.assertIn("WARNING: TLS verification is disabled", result.stderr.decode())

    def test_proxy_down(self):
        port = harness.free_port()
        args = postern_args(REDIS_ROUTE, proxy_url=False)
        args[2:2] = ["--proxy-url", "https://localhost:%d" % port]
        self.assertFails(run_stdio(args),
                         "postern: cannot reach proxy localhost:%d: Connection refused" % port)

    def test_proxy_down_in_listener_mode_fails_each_connection_and_keeps_listening(self):
        port = harness.free_port()
        args = ["--proxy-url", "https://localhost:%d" % port, REDIS_ROUTE]
        listener = Listener(*args, proxy_url=False)
        try:
            for attempt in (1, 2):
                with listener.connect() as conn:
                    self.assertEqual(conn.recv(100), b"")
                listener.process.wait_for(r"#%d failed: cannot reach proxy localhost:%d" %
                                          (attempt, port))
        finally:
            self.assertEqual(listener.stop(), 0)

    def test_policy_denial_includes_the_reason(self):
        token_file = os.path.join(STACK.tmp, "mallory.jwt")
        with open(token_file, "w") as f:
            f.write(STACK.mallory)
        args = postern_args(REDIS_ROUTE, token_file=False)
        args[2:2] = ["--service-account-file", token_file]
        result = run_stdio(args)
        self.assertFails(result, "postern: access to redis.corp.example.com:6379 denied by policy "
                                 "(403")
        self.assertNotIn(STACK.mallory, result.stderr.decode())

    def test_no_route(self):
        self.assertFails(run_stdio(postern_args("nowhere.corp.example.com:1")),
                         "has no route for nowhere.corp.example.com:1 (404")

    def test_no_session_asks_for_a_service_account(self):
        result = run_stdio(postern_args(REDIS_ROUTE, token_file=False))
        self.assertFails(result, "requires a session to reach redis.corp.example.com:6379 (401")
        self.assertIn("--service-account", result.stderr.decode())

    def test_a_refused_token(self):
        args = postern_args(REDIS_ROUTE, token_file=False)
        args[2:2] = ["--service-account", STACK.alice[:-4] + "AAAA"]
        result = run_stdio(args)
        self.assertFails(result, "refused the service account token")
        self.assertNotIn(STACK.alice[:-4], result.stderr.decode())


class TokenCacheTest(unittest.TestCase):
    def test_cached_token_is_used_until_the_cache_is_cleared(self):
        cache_home = harness.tmpdir("cache-home")
        env = cli_env(cache_home)
        location = subprocess.run([POSTERN, "cache", "location"], capture_output=True, env=env,
                                  timeout=30)
        self.assertEqual(location.stdout.decode(), os.path.join(cache_home, "postern") + "\n")
        directory = location.stdout.decode().strip()
        os.makedirs(directory, mode=0o700, exist_ok=True)
        token_path = os.path.join(directory, "localhost%%3A%d.jwt" % STACK.proxy_port)
        with open(os.open(token_path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(STACK.alice + "\n")

        result = run_stdio(postern_args(ECHO_ROUTE, token_file=False), b"hi", env=env)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, b"hi")

        cleared = subprocess.run([POSTERN, "cache", "clear"], capture_output=True, env=env,
                                 timeout=30)
        self.assertEqual(cleared.returncode, 0)
        self.assertIn("removed 1 cached session token", cleared.stdout.decode())
        result = run_stdio(postern_args(ECHO_ROUTE, token_file=False), b"hi", env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("(401", result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
