"""Browser login through the real postern-proxy: the proxy side of "On first
connection, you will be sent through a standard HTTP authentication flow".

The proxy's login endpoints, the fake OpenID provider and the scripted
browser, with a stand-in for the CLI's loopback callback listener; the token
the login hands back must then open a tunnel (and obey the route's policy).
The CLI's own login (postern tcp + redis-cli) is tested in cli_login_test.
"""

import http.server
import os
import signal
import ssl
import subprocess
import threading
import unittest
import urllib.parse
import urllib.request

from fake_oidc_provider import FakeOidcProvider, User
from testing.harness import harness
from testing.harness.fake_redis import FakeRedis, redis_ping

BROWSER = harness.binary("testing/browser/scripted_browser.py")


class CallbackListener:
    """What the CLI runs on 127.0.0.1:0 to receive ?pomerium_jwt=..."""

    def __init__(self):
        self.tokens = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                outer.tokens.extend(query.get("pomerium_jwt", []))
                body = b"login complete, you may close this page\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ProxyLoginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.tmpdir("proxy_login")
        cls.pki = harness.Pki(cls.tmp, ["proxy.localhost.example", "127.0.0.1"])
        cls.provider = FakeOidcProvider(log=open(os.path.join(cls.tmp, "oidc.log"), "w"))
        cls.provider.start()
        cls.redis = FakeRedis()
        cls.postern = harness.Postern(cls.tmp, {
            "address": "127.0.0.1:0",
            "shared_secret": harness.new_secret(),
            "certificate_file": cls.pki.cert,
            "certificate_key_file": cls.pki.key,
            "idp_provider_url": cls.provider.url,
            "idp_client_id": "postern",
            "idp_client_secret": "postern-test-secret",
            "routes": [{
                "from": "tcp+https://redis.localhost.example:6379",
                "to": "tcp://" + cls.redis.address,
                "policy": [{"allow": {"or": [{"email": {"is": "alice@example.com"}}]}}],
            }],
        })
        cls.proxy, cls.address = cls.postern.proxy, cls.postern.address

    @classmethod
    def tearDownClass(cls):
        cls.postern.stop()
        cls.provider.stop()
        cls.redis.close()

    def sign_in_url(self, redirect_uri):
        context = ssl.create_default_context(cafile=self.pki.ca_cert)
        query = urllib.parse.urlencode({"pomerium_redirect_uri": redirect_uri})
        url = "https://%s/.pomerium/api/v1/login?%s" % (self.address, query)
        with urllib.request.urlopen(url, context=context, timeout=20) as response:
            self.assertEqual(response.status, 200)
            self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
            return response.read().decode()

    def browse(self, url, jar):
        env = dict(os.environ, POSTERN_TEST_BROWSER_CA=self.pki.ca_cert,
                   POSTERN_TEST_BROWSER_COOKIES=jar,
                   POSTERN_TEST_BROWSER_LOG=os.path.join(self.tmp, "browser.log"))
        return subprocess.run([BROWSER, url], env=env, timeout=90).returncode

    def login(self, jar):
        callback = CallbackListener()
        try:
            url = self.sign_in_url(callback.url)
            self.assertTrue(url.startswith("https://%s/" % self.address), url)
            self.assertEqual(self.browse(url, jar), 0)
            return callback.tokens
        finally:
            callback.close()

    def ping(self, token):
        result = harness.connect_tunnel(self.address, self.pki.ca_cert,
                                        "redis.localhost.example:6379", token)
        with result.sock:
            if result.status != 200:
                return result.status, result.body
            return 200, redis_ping(result.sock, result.leftover)

    def test_login_then_tunnel_and_cookie_skips_provider(self):
        self.provider.set_user(User())
        jar = os.path.join(self.tmp, "alice-cookies.txt")
        tokens = self.login(jar)
        self.assertEqual(len(tokens), 1)
        self.assertEqual(self.ping(tokens[0]), (200, b"+PONG\r\n"))

        before = self.provider.stats().get("authorize", 0)
        again = self.login(jar)
        self.assertEqual(len(again), 1)
        self.assertEqual(self.provider.stats().get("authorize", 0), before,
                         "the browser session cookie should skip the provider")
        self.assertEqual(self.ping(again[0]), (200, b"+PONG\r\n"))
        # No token ever reaches the proxy's log.
        for token in tokens + again:
            self.assertNotIn(token, self.proxy.output())
            self.assertNotIn(token.split(".")[2], self.proxy.output())

    def test_denied_user_logs_in_and_gets_403(self):
        self.provider.set_user(User(sub="user-bob", email="bob@example.com", name="Bob",
                                    groups=[]))
        tokens = self.login(os.path.join(self.tmp, "bob-cookies.txt"))
        self.assertEqual(len(tokens), 1)
        status, body = self.ping(tokens[0])
        self.assertEqual(status, 403)
        self.assertIn("no allow rule matched", body)

    def test_redirect_outside_loopback_is_refused(self):
        for bad in ["http://evil.example.com/", "https://127.0.0.1:1/",
                    "http://127.0.0.1.evil.example.com/", "http://127.0.0.1@evil.example.com/"]:
            with self.assertRaises(urllib.error.HTTPError) as caught:
                self.sign_in_url(bad)
            self.assertEqual(caught.exception.code, 400, bad)

    def test_provider_misbehaving_gives_no_session(self):
        self.provider.set_user(User())
        try:
            for mode in ["wrong_aud", "bad_signature", "nonce_mismatch", "alg_none"]:
                self.provider.set_misbehave(mode)
                callback = CallbackListener()
                try:
                    url = self.sign_in_url(callback.url)
                    self.assertNotEqual(self.browse(url, os.path.join(self.tmp, mode)), 0, mode)
                    self.assertEqual(callback.tokens, [], mode)
                finally:
                    callback.close()
        finally:
            self.provider.set_misbehave("none")


if __name__ == "__main__":
    unittest.main()
