"""The CLI's browser login, all real binaries: `postern tcp` + redis-cli + redis-server
through postern-proxy and postern-authorize, with the scripted browser as
--browser-cmd walking the fake OpenID provider (and, for interoperability,
oauth2-mock-server from npm).

A login is counted by the scripted browser's runs (each ends its log with
"scripted-browser: exit N") and by the provider's issued id_tokens.
"""

import base64
import json
import os
import re
import socket
import stat
import subprocess
import time
import unittest

from fake_oidc_provider import FakeOidcProvider, User
from testing.harness import harness

POSTERN = harness.binary("cli/postern")
BROWSER = harness.binary("testing/browser/scripted_browser.py")
MOCK_SERVER = harness.binary("testing/oidc/start_oauth2_mock_server.sh")

ROUTE = "redis.localhost.example:6379"
ALICE = "alice@example.com"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory):
    """A real redis-server on a free loopback port (it cannot take port 0)."""
    for _ in range(3):
        port = free_port()
        process = harness.Process("redis", [
            "sh", "-c", "exec redis-server --bind 127.0.0.1 --port %d --save '' --appendonly no "
            "--dir %s --daemonize no 1>&2" % (port, directory)])
        try:
            process.wait_for(r"Ready to accept")
            return process, port
        except AssertionError:
            process.kill()
            if "in use" not in process.output():
                raise
    raise AssertionError("redis-server found no free port")


class Stack:
    """postern-authorize + postern-proxy signing users in at `idp_url`; the route allows Alice."""

    def __init__(self, name, idp_url, redis_port):
        self.tmp = harness.tmpdir("cli_login/" + name)
        self.pki = harness.Pki(self.tmp, ["proxy.localhost.example", "127.0.0.1"])
        settings = {
            "address": "127.0.0.1:0",
            "shared_secret": harness.new_secret(),
            "certificate_file": self.pki.cert,
            "certificate_key_file": self.pki.key,
            "idp_provider_url": idp_url,
            "idp_client_id": "postern",
            "idp_client_secret": "postern-test-secret",
            "authorize_service_url": "http://127.0.0.1:1",
            "routes": [{
                "from": "tcp+https://" + ROUTE,
                "to": "tcp://127.0.0.1:%d" % redis_port,
                "policy": [{"allow": {"or": [{"email": {"is": ALICE}}]}}],
            }],
        }
        self.postern = harness.Postern(self.tmp, settings)
        self.proxy, self.address = self.postern.proxy, self.postern.address

    def service_account(self, *flags):
        return self.postern.service_account(ALICE, *flags)

    def stop(self):
        self.postern.stop()


class Cli:
    """One `postern tcp` process with its own token cache and browser log."""

    def __init__(self, stack, cache_home, browser_log, *flags, env=None):
        self.browser_log = browser_log
        environment = dict(os.environ, XDG_CACHE_HOME=cache_home,
                           POSTERN_TEST_BROWSER_CA=stack.pki.ca_cert,
                           POSTERN_TEST_BROWSER_LOG=browser_log)
        environment.pop("DISPLAY", None)
        environment.pop("WAYLAND_DISPLAY", None)
        environment.update(env or {})
        self.process = harness.Process("postern", [
            POSTERN, "tcp", "--proxy-url", "https://" + stack.address, "--ca-cert-file",
            stack.pki.ca_cert] + list(flags) + [ROUTE], env=environment)
        self.port = int(self.process.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))

    def redis(self, *command):
        result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)] +
                                list(command), capture_output=True, timeout=120)
        return result.stdout.decode() + result.stderr.decode()

    def stop(self):
        return self.process.stop()


def browser_runs(log):
    if not os.path.exists(log):
        return 0
    with open(log, errors="replace") as f:
        return len(re.findall(r"^scripted-browser: exit \d+", f.read(), re.M))


def token_files(cache_home):
    directory = os.path.join(cache_home, "postern")
    if not os.path.isdir(directory):
        return []
    return [os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".jwt")]


def token_expiry(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]


class CliLoginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tmpdir("cli_login")
        cls.redis, redis_port = start_redis(cls.tmp)
        cls.provider = FakeOidcProvider(log=open(os.path.join(cls.tmp, "oidc.log"), "w"))
        cls.provider.start()
        cls.stack = Stack("fake", cls.provider.url, redis_port)
        cls.redis_port = redis_port

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        cls.provider.stop()
        cls.redis.stop()

    def setUp(self):
        self.provider.set_user(User())
        self.cache = harness.tmpdir("cli_login/cache-" + self.id().split(".")[-1])
        self.log = os.path.join(self.cache, "browser.log")

    def cli(self, *flags, env=None, stack=None):
        cli = Cli(stack or self.stack, self.cache, self.log, "--browser-cmd", BROWSER, *flags,
                  env=env)
        self.addCleanup(cli.stop)
        return cli

    def issued(self):
        return self.provider.stats().get("id_tokens_issued", 0)

    def test_first_connection_logs_in_once_and_the_token_is_reused(self):
        issued = self.issued()
        cli = self.cli()
        self.assertEqual(cli.redis("SET", "login-key", "hello"), "OK\n", cli.process.output())
        self.assertEqual(browser_runs(self.log), 1)
        self.assertEqual(self.issued(), issued + 1)
        cli.process.wait_for(r"signed in to proxy")
        files = token_files(self.cache)
        self.assertEqual(len(files), 1)
        self.assertEqual(stat.S_IMODE(os.stat(files[0]).st_mode), 0o600)

        # The next connection uses the session the login left.
        self.assertEqual(cli.redis("GET", "login-key"), "hello\n")
        self.assertEqual(browser_runs(self.log), 1)
        self.assertEqual(cli.stop(), 0)

        # So does a new process, from the cache.
        again = self.cli()
        self.assertEqual(again.redis("GET", "login-key"), "hello\n", again.process.output())
        self.assertEqual(browser_runs(self.log), 1)
        self.assertEqual(self.issued(), issued + 1)
        # The token never reaches a log.
        with open(files[0]) as f:
            token = f.read().strip()
        for output in (cli.process.output(), again.process.output(), self.stack.proxy.output()):
            self.assertNotIn(token.split(".")[2], output)

    def test_concurrent_connections_share_one_login(self):
        cli = self.cli()
        clients = [subprocess.Popen(["redis-cli", "-h", "127.0.0.1", "-p", str(cli.port), "PING"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                   for _ in range(4)]
        outputs = [c.communicate(timeout=120)[0].decode() for c in clients]
        self.assertEqual(outputs, ["PONG\n"] * 4, cli.process.output())
        self.assertEqual(browser_runs(self.log), 1)
        self.assertEqual(cli.process.count(r"asks for a login"), 4)
        self.assertEqual(cli.process.count(r"signed in to proxy"), 1)

    def test_expired_cached_token_triggers_a_new_login(self):
        expired = self.stack.service_account("--ttl", "1ms")
        while time.time() <= token_expiry(expired):  # waits out the clock, nothing else
            time.sleep(0.05)
        first = self.cli()
        self.assertEqual(first.redis("PING"), "PONG\n")
        first.stop()
        [path] = token_files(self.cache)
        with open(path, "w") as f:
            f.write(expired)
        cli = self.cli("--log-level", "debug")
        self.assertEqual(cli.redis("PING"), "PONG\n", cli.process.output())
        self.assertIn("expired", cli.process.output())
        self.assertEqual(browser_runs(self.log), 2)
        self.assertEqual(token_files(self.cache), [path])
        with open(path) as f:
            self.assertGreater(token_expiry(f.read().strip()), time.time())

    def test_cached_token_the_proxy_refuses_triggers_a_new_login(self):
        other = Stack("other", self.provider.url, self.redis_port)  # another shared secret
        self.addCleanup(other.stop)
        foreign = other.service_account()
        first = self.cli()
        self.assertEqual(first.redis("PING"), "PONG\n")
        files = token_files(self.cache)
        with open(files[0], "w") as f:
            f.write(foreign)
        cli = self.cli()
        self.assertEqual(cli.redis("PING"), "PONG\n", cli.process.output())
        self.assertEqual(browser_runs(self.log), 2)

    def test_denied_user_gets_403_after_logging_in(self):
        self.provider.set_user(User(sub="user-bob", email="bob@example.com", name="Bob",
                                    groups=[]))
        cli = self.cli()
        self.assertNotIn("PONG", cli.redis("PING"))
        cli.process.wait_for(r"#1 failed: access to %s denied by policy \(403" %
                             re.escape(ROUTE))
        self.assertEqual(browser_runs(self.log), 1)

    def test_login_not_completed_in_time_fails_clearly(self):
        cli = Cli(self.stack, self.cache, self.log, "--no-browser",
                  env={"POSTERN_LOGIN_TIMEOUT_SECONDS": "2"})
        self.addCleanup(cli.stop)
        with socket.create_connection(("127.0.0.1", cli.port), timeout=60) as conn:
            cli.process.wait_for(r"open this URL in a browser on this computer")
            cli.process.wait_for(r"^  https://%s/" % re.escape(self.stack.address))
            self.assertEqual(conn.recv(100), b"")  # closed once the login gave up
        cli.process.wait_for(r"#1 failed: login to proxy \S+ did not complete within 2s")
        self.assertEqual(browser_runs(self.log), 0)
        self.assertEqual(token_files(self.cache), [])


class OAuth2MockServerLoginTest(unittest.TestCase):
    """The same login against a provider Postern did not write."""

    def test_login_through_oauth2_mock_server(self):
        tmp = harness.tmpdir("cli_login/mock")
        redis, redis_port = start_redis(tmp)
        self.addCleanup(redis.stop)
        mock = harness.Process("oauth2-mock-server", [MOCK_SERVER, "--user-email", ALICE])
        self.addCleanup(mock.kill)
        url = mock.wait_for(r"oauth2-mock-server listening on (http://127\.0\.0\.1:\d+)",
                            timeout=60).group(1)
        stack = Stack("mock", url, redis_port)
        self.addCleanup(stack.stop)
        cache = harness.tmpdir("cli_login/mock-cache")
        log = os.path.join(cache, "browser.log")
        cli = Cli(stack, cache, log, "--browser-cmd", BROWSER)
        self.addCleanup(cli.stop)
        self.assertEqual(cli.redis("SET", "mock", "works"), "OK\n", cli.process.output())
        self.assertEqual(cli.redis("GET", "mock"), "works\n")
        self.assertEqual(browser_runs(log), 1)
        self.assertEqual(len(token_files(cache)), 1)


if __name__ == "__main__":
    unittest.main()
