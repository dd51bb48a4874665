"""Browser logins through the proxy's login endpoints against real OpenID providers.

The endpoints run in authenticate_test_server (the AuthenticateHandler over
https on loopback); the provider is the fake one from testing/oidc (in this
process, told to misbehave one way at a time) or the real npm
oauth2-mock-server; the browser is testing/browser/scripted_browser.py; the
CLI's loopback listener is a small HTTP server here that records the token.

Every login must end with either a valid session token at the CLI (and the
browser session cookie) or an error page saying what went wrong, with no token
anywhere and no secret in any log.
"""

import base64
import hashlib
import hmac
import http.cookiejar
import http.server
import json
import os
import re
import ssl
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from testing.harness import harness
from fake_oidc_provider import FakeOidcProvider

SERVER = harness.binary("proxy/authenticate/authenticate_test_server")
BROWSER = harness.binary("testing/browser/scripted_browser.py")
MOCK_LAUNCHER = harness.binary("testing/oidc/start_oauth2_mock_server.sh")
CLIENT_ID = "postern"
CLIENT_SECRET = "postern-test-secret"
COOKIE_EXPIRE_SECONDS = 3600


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_session_token(token, secret):
    """The claims of a Postern session JWT if its HS256 signature is good; fails the test otherwise."""
    header, payload, signature = token.split(".")
    expected = hmac.new(secret, (header + "." + payload).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, b64url_decode(signature)):
        raise AssertionError("session token signature does not verify")
    if json.loads(b64url_decode(header)) != {"alg": "HS256", "typ": "JWT"}:
        raise AssertionError("unexpected session token header")
    return json.loads(b64url_decode(payload))


class CliListener:
    """The CLI's loopback page: records the query of each visit, answers 200."""

    def __init__(self):
        visits = self.visits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                visits.append(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
                body = b"Login complete. You may close this window.\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = "http://127.0.0.1:%d/callback?from=cli" % self._server.server_address[1]

    def tokens(self):
        return [visit["pomerium_jwt"][0] for visit in self.visits if "pomerium_jwt" in visit]

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


class LoginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("authenticate_login_test")
        cls.pki = harness.Pki(cls.dir, ["127.0.0.1", "localhost"])
        cls.secret_b64 = harness.new_secret()
        cls.secret = base64.b64decode(cls.secret_b64)

    def setUp(self):
        self.provider = FakeOidcProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                         slow_seconds=6, log=None).start()
        self.addCleanup(self.provider.stop)
        self.cli = CliListener()
        self.addCleanup(self.cli.stop)
        self.case_dir = harness.tmpdir(self.id().rsplit(".", 1)[-1])
        self.jar = os.path.join(self.case_dir, "cookies.txt")
        self.browser_log = os.path.join(self.case_dir, "browser.log")
        for path in (self.jar, self.browser_log):
            if os.path.exists(path):
                os.remove(path)
        self.servers = []

    # -- helpers

    def start_server(self, issuer=None, extra_settings=None, flags=()):
        """Starts authenticate_test_server; returns (process, base URL)."""
        settings = {
            "shared-secret": self.secret_b64,
            "idp-provider-url": issuer or self.provider.issuer,
            "idp-client-id": CLIENT_ID,
            "idp-client-secret": CLIENT_SECRET,
            "cookie-expire": "%ds" % COOKIE_EXPIRE_SECONDS,
        }
        settings.update(extra_settings or {})
        args = [SERVER, "--tls-cert", self.pki.cert, "--tls-key", self.pki.key,
                "--provider-timeout", "2s"]
        for name, value in settings.items():
            args += ["--" + name, value]
        process = harness.Process("authenticate", args + list(flags))
        self.addCleanup(process.stop)
        address = process.wait_for(r"listening on (127\.0\.0\.1:\d+)").group(1)
        self.servers.append(process)
        return process, "https://" + address

    def tls(self):
        return ssl.create_default_context(cafile=self.pki.ca_cert)

    def get(self, url, cookie=None):
        """One GET without following redirects: (status, headers, body)."""
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.tls()),
                                             NoRedirect())
        try:
            with opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def sign_in_url(self, base):
        status, headers, body = self.get(base + "/.pomerium/api/v1/login?" + urllib.parse.urlencode(
            {"pomerium_redirect_uri": self.cli.url}))
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertTrue(body.startswith(base + "/.pomerium/sign_in?state="), body)
        return body

    def browse(self, url):
        """Runs the scripted browser (shared cookie jar for the test); returns (exit, log of this run)."""
        start = os.path.getsize(self.browser_log) if os.path.exists(self.browser_log) else 0
        env = dict(os.environ, POSTERN_TEST_BROWSER_COOKIES=self.jar,
                   POSTERN_TEST_BROWSER_LOG=self.browser_log,
                   POSTERN_TEST_BROWSER_CA=self.pki.ca_cert, POSTERN_TEST_BROWSER_TIMEOUT="30")
        status = subprocess.run([BROWSER, url], env=env, timeout=60).returncode
        with open(self.browser_log) as f:
            f.seek(start)
            return status, f.read()

    def login(self, base):
        return self.browse(self.sign_in_url(base))

    def session_cookie(self):
        if not os.path.exists(self.jar):
            return None
        jar = http.cookiejar.MozillaCookieJar(self.jar)
        jar.load(ignore_discard=True, ignore_expires=True)
        return next((c for c in jar if c.name == "__Host-postern_session"), None)

    def assert_session(self, token, sub="user-alice", email="alice@example.com",
                       name="Alice Example", groups=("admins", "developers")):
        claims = verify_session_token(token, self.secret)
        self.assertEqual((claims["sub"], claims["email"], claims["name"], claims["groups"]),
                         (sub, email, name, list(groups)))
        self.assertEqual(claims["aud"], "postern")
        self.assertAlmostEqual(claims["exp"] - time.time(), COOKIE_EXPIRE_SECONDS, delta=30)
        return claims

    def assert_no_secret_in_logs(self, tokens=()):
        logs = "\n".join(server.output() for server in self.servers)
        with open(self.browser_log) as f:
            logs += f.read()
        for secret in list(tokens) + [CLIENT_SECRET, self.secret_b64]:
            self.assertNotIn(secret, logs)

    # -- the happy paths

    def test_login_delivers_a_session_token_to_the_cli(self):
        server, base = self.start_server()
        for alg in ("RS256", "ES256"):
            with self.subTest(alg):
                self.provider.set_alg(alg)
                os.path.exists(self.jar) and os.remove(self.jar)
                status, log = self.login(base)
                self.assertEqual(status, 0, log)
                self.assertIn("Login complete", log)
        tokens = self.cli.tokens()
        self.assertEqual(len(tokens), 2)
        for token in tokens:
            self.assert_session(token)
        # The CLI's own query survives next to the token.
        self.assertEqual(self.cli.visits[0]["from"], ["cli"])
        cookie = self.session_cookie()
        self.assertIsNotNone(cookie)
        self.assertTrue(cookie.secure)
        stats = self.provider.stats()
        self.assertEqual((stats["authorize"], stats["token"]), (2, 2))
        self.assertEqual(stats["discovery"], 1, "discovery is cached")
        self.assert_no_secret_in_logs(tokens)
        self.assertRegex(server.output(), r"login: user-alice <alice@example.com> signed in at the "
                                          r"identity provider")

    def test_client_secret_post_when_the_provider_asks_for_it(self):
        self.provider.token_auth_methods = ["client_secret_post"]
        _, base = self.start_server()
        status, log = self.login(base)
        self.assertEqual(status, 0, log)
        self.assert_session(self.cli.tokens()[0])

    def test_groups_from_the_configured_claim(self):
        self.provider.groups_claim = "roles"
        _, base = self.start_server(extra_settings={"jwt-groups-claim": "roles"})
        self.assertEqual(self.login(base)[0], 0)
        self.assert_session(self.cli.tokens()[0])

    def test_second_login_uses_the_browser_session_and_skips_the_provider(self):
        _, base = self.start_server()
        self.assertEqual(self.login(base)[0], 0)
        first = self.assert_session(self.cli.tokens()[0])
        before = self.provider.stats()
        status, log = self.login(base)
        self.assertEqual(status, 0, log)
        self.assertEqual(self.provider.stats(), before, "no request reached the provider")
        self.assertNotIn("/authorize", log)
        second = self.assert_session(self.cli.tokens()[1])
        self.assertNotEqual(first["jti"], second["jti"])
        # The browser session does not outlive the provider login it came from.
        self.assertEqual(first["exp"], second["exp"])

    def test_the_browser_session_is_sealed_with_cookie_secret(self):
        cookie_secret = harness.new_secret()
        _, base_a = self.start_server(extra_settings={"cookie-secret": cookie_secret})
        _, base_b = self.start_server(extra_settings={"cookie-secret": harness.new_secret()})
        self.assertEqual(self.login(base_a)[0], 0)
        before = self.provider.stats()["authorize"]
        # Another cookie secret cannot open the browser session: back to the provider.
        self.assertEqual(self.login(base_b)[0], 0)
        self.assertEqual(self.provider.stats()["authorize"], before + 1)
        self.assertEqual(len(self.cli.tokens()), 2)

    def test_an_https_provider_is_verified(self):
        self.provider.stop()
        self.provider = FakeOidcProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                         tls_cert=self.pki.cert, tls_key=self.pki.key,
                                         log=None).start()
        self.addCleanup(self.provider.stop)
        self.assertTrue(self.provider.issuer.startswith("https://"))
        _, trusting = self.start_server(flags=["--idp-ca-file", self.pki.ca_cert])
        status, log = self.login(trusting)
        self.assertEqual(status, 0, log)
        self.assert_session(self.cli.tokens()[0])
        # The system trust store does not know the test CA. (A new browser:
        # the session cookie would skip the provider.)
        os.remove(self.jar)
        _, distrusting = self.start_server()
        status, log = self.login(distrusting)
        self.assertEqual(status, 1, log)
        self.assertIn("HTTP 502 at %s/.pomerium/sign_in" % distrusting, log)
        self.assertIn("TLS certificate of 127.0.0.1 not accepted", log)

    def test_sign_out_ends_the_browser_session(self):
        _, base = self.start_server()
        self.assertEqual(self.login(base)[0], 0)
        status, log = self.browse(base + "/.pomerium/sign_out")
        self.assertEqual(status, 0, log)
        self.assertIn("signed out", log)
        self.assertIsNone(self.session_cookie())
        before = self.provider.stats()["authorize"]
        self.assertEqual(self.login(base)[0], 0)
        self.assertEqual(self.provider.stats()["authorize"], before + 1)

    def test_a_login_started_on_one_replica_finishes_on_another(self):
        # Both replicas share the secret and the external URL (replica A's), as
        # behind a load balancer; B's sign-in link is used, the provider sends
        # the browser back to A.
        server_a, base_a = self.start_server()
        server_b, base_b = self.start_server(
            extra_settings={"authenticate-service-url": base_a})
        sign_in = self.sign_in_url(base_a)
        status, log = self.browse(sign_in.replace(base_a, base_b, 1))
        self.assertEqual(status, 0, log)
        self.assertIn("GET %s/.pomerium/sign_in" % base_b, log)
        self.assertIn("GET %s/oauth2/callback" % base_a, log)
        self.assert_session(self.cli.tokens()[0])
        self.assertIn("signed in at the identity provider", server_a.output())
        self.assertNotIn("signed in", server_b.output())

    def test_a_rolled_provider_key_is_fetched_on_first_sight(self):
        _, base = self.start_server(flags=["--jwks-min-refetch-interval", "0s"])
        self.assertEqual(self.login(base)[0], 0)
        self.assertEqual(self.provider.stats()["jwks"], 1)
        self.provider.set_misbehave("rotate_key")
        os.remove(self.jar)
        status, log = self.login(base)
        self.assertEqual(status, 0, log)
        self.assertEqual(self.provider.stats()["jwks"], 2)
        self.assertEqual(len(self.cli.tokens()), 2)

    # -- every way the provider can misbehave

    def test_each_provider_misbehaviour_fails_the_login(self):
        _, base = self.start_server()
        expected = {
            "wrong_iss": (403, "not issued by the configured identity provider"),
            "wrong_aud": (403, "issued for another client"),
            "bad_signature": (403, "signature is not valid"),
            "expired": (403, "has expired"),
            "unknown_kid": (403, "signed by a key the identity provider does not publish"),
            "missing_email": (403, "gave no email address"),
            "nonce_mismatch": (403, "nonce mismatch"),
            "token_error": (403, "refused to redeem the sign-in code (invalid_grant)"),
            "authorize_error": (403, "refused the sign-in (access_denied)"),
            "slow": (504, "did not answer in time"),
            "alg_none": (403, "signature is not valid"),
        }
        for mode, (http_status, sentence) in expected.items():
            with self.subTest(mode):
                self.provider.set_misbehave(mode)
                status, log = self.login(base)
                self.assertEqual(status, 1, log)
                self.assertIn("HTTP %d at %s/oauth2/callback" % (http_status, base), log)
                page = log.split("error page body:\n", 1)[1].split("\nscripted-browser:", 1)[0]
                self.assertRegex(page, r"^Sign-in failed: [^\n]*\.\n?$")
                self.assertIn(sentence, page)
                self.assertIsNone(self.session_cookie())
        self.assertEqual(self.cli.visits, [])
        self.assertGreaterEqual(self.provider.stats()["userinfo"], 1, "missing_email asked userinfo")
        self.assert_no_secret_in_logs()

    # -- refusals at the proxy's own endpoints

    def test_the_redirect_uri_must_be_the_cli_on_this_computer(self):
        _, base = self.start_server()
        for uri in ("http://evil.com/", "https://127.0.0.1:8000/", "http://127.0.0.1.evil.com/",
                    "http://127.0.0.1@evil.com/", "http://[::2]:8000/", "javascript:alert(1)", ""):
            with self.subTest(uri):
                status, headers, body = self.get(
                    base + "/.pomerium/api/v1/login?" + urllib.parse.urlencode(
                        {"pomerium_redirect_uri": uri}))
                self.assertEqual(status, 400, body)
                self.assertEqual(body.count("\n"), 1)
                self.assertIn("pomerium_redirect_uri", body)
        status, _, body = self.get(base + "/.pomerium/api/v1/login?pomerium_redirect_uri=" +
                                   urllib.parse.quote("http://[::1]:8000/", safe=""))
        self.assertEqual(status, 200, body)

    def test_a_tampered_sign_in_link_is_refused(self):
        _, base = self.start_server()
        sign_in = self.sign_in_url(base)
        state = sign_in.split("state=", 1)[1]
        tampered = state[:10] + ("A" if state[10] != "A" else "B") + state[11:]
        status, _, body = self.get(base + "/.pomerium/sign_in?state=" + tampered)
        self.assertEqual((status, body), (400, "This sign-in link is invalid; run the command "
                                               "again.\n"))
        self.assertEqual(self.provider.stats()["authorize"], 0)

    def test_the_callback_only_works_in_the_browser_that_started_the_sign_in(self):
        _, base = self.start_server()
        # The victim's browser goes to the provider; an attacker gets hold of the
        # callback URL (code and state) and opens it in another browser.
        status, headers, _ = self.get(self.sign_in_url(base))
        self.assertEqual(status, 302)
        login_cookie = headers["Set-Cookie"].split(";", 1)[0]
        # __Host-: no other host (a sibling subdomain) can plant a binding cookie.
        self.assertRegex(headers["Set-Cookie"],
                         r"^__Host-postern_login_[A-Za-z0-9_-]+=[A-Za-z0-9_-]+; Path=/; .*"
                         r"; HttpOnly; Secure; SameSite=Lax$")
        status, headers, _ = self.get(headers["Location"])  # the provider approves at once
        self.assertEqual(status, 302)
        callback = headers["Location"]
        self.assertTrue(callback.startswith(base + "/oauth2/callback?"), callback)
        status, _, body = self.get(callback)
        self.assertEqual(status, 400)
        self.assertIn("started in another browser", body)
        # Replaying the victim's sign-in link does not help the attacker either:
        # the new cookie is bound to a new state the code was not issued for.
        status, _, body = self.get(callback, cookie=login_cookie.split("=")[0] + "=guess")
        self.assertEqual(status, 400)
        # The victim's own browser still finishes the sign-in, once.
        status, headers, body = self.get(callback, cookie=login_cookie)
        self.assertEqual(status, 302, body)
        self.assertTrue(headers["Location"].startswith(self.cli.url + "&pomerium_jwt="))
        cookies = headers.get_all("Set-Cookie")
        self.assertIn(login_cookie.split("=")[0] + "=; Path=/; Max-Age=0; HttpOnly; Secure; "
                      "SameSite=Lax", cookies)
        [session] = [c for c in cookies if c.startswith("__Host-postern_session=")]
        self.assertRegex(session, r"^__Host-postern_session=[A-Za-z0-9_-]+; Path=/; Max-Age=%d; "
                                  r"HttpOnly; Secure; SameSite=Lax$" % COOKIE_EXPIRE_SECONDS)
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        status, _, body = self.get(callback, cookie=login_cookie)
        self.assertNotEqual(status, 302, "a code is good once")

    def test_unknown_paths_and_methods(self):
        _, base = self.start_server()
        self.assertEqual(self.get(base + "/.pomerium/nothing")[0], 404)
        self.assertEqual(self.get(base + "/elsewhere")[0], 404)
        request = urllib.request.Request(base + "/oauth2/callback", data=b"x", method="POST")
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.tls()))
        with self.assertRaises(urllib.error.HTTPError) as raised:
            opener.open(request, timeout=20)
        self.assertEqual(raised.exception.code, 405)
        self.assertEqual(raised.exception.headers["Allow"], "GET")

    # -- a provider Postern did not write

    def test_login_against_oauth2_mock_server(self):
        mock = harness.Process("oauth2-mock-server", [
            MOCK_LAUNCHER, "--user-sub", "u-42", "--user-email", "erin@example.com",
            "--user-name", "Erin", "--user-groups", "sre,db"])
        self.addCleanup(mock.kill)
        issuer = mock.wait_for(r"oauth2-mock-server listening on (http://127\.0\.0\.1:\d+)$",
                               timeout=60).group(1)
        _, base = self.start_server(issuer=issuer)
        status, log = self.login(base)
        self.assertEqual(status, 0, log)
        self.assert_session(self.cli.tokens()[0], sub="u-42", email="erin@example.com",
                            name="Erin", groups=("sre", "db"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


if __name__ == "__main__":
    unittest.main()
