"""The scripted browser carries a whole CLI login: proxy -> fake provider -> proxy callback -> CLI.

A stand-in proxy (the tiny relying party behind two routes) plays Postern's
authenticate endpoints, so the browser and the fake provider are shown to work
together the way the proxy's system tests will use them.
"""

import os
import secrets
import subprocess
import unittest
import urllib.parse

from fake_oidc_provider import FakeOidcProvider
from relying_party import RelyingParty
from test_site import Page, Site, redirect
from testing.harness import harness

BROWSER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripted_browser.py")
CLIENT_SECRET = "postern-test-secret"


class StandInProxy:
    """/sign_in starts the code flow; /oauth2/callback finishes it and hands the CLI a token."""

    def __init__(self, provider, csrf_same_site="Lax"):
        self.csrf_same_site = csrf_same_site
        self.pending = {}
        self.site = Site({"/sign_in": self.sign_in, "/oauth2/callback": self.callback})
        self.rp = RelyingParty(provider.issuer, "postern", CLIENT_SECRET,
                               self.site.url("/oauth2/callback"))

    def sign_in_url(self, cli_redirect):
        return self.site.url("/sign_in?" + urllib.parse.urlencode({"pomerium_redirect_uri":
                                                                   cli_redirect}))

    def sign_in(self, visit):
        login = self.rp.begin()
        self.pending[login.state] = (login, visit.query["pomerium_redirect_uri"])
        cookie = "postern_csrf=%s; Path=/; HttpOnly; SameSite=%s" % (login.state,
                                                                      self.csrf_same_site)
        return redirect(login.authorize_url, cookies=[cookie])

    def callback(self, visit):
        if "error" in visit.query:
            return Page(403, body="sign-in refused by the provider: %s\n" % visit.query["error"])
        state = visit.query.get("state", "")
        if visit.cookies().get("postern_csrf") != state or state not in self.pending:
            return Page(400, body="sign-in state cookie missing or wrong\n")
        login, cli_redirect = self.pending.pop(state)
        status, tokens = self.rp.exchange(visit.query["code"], login)
        if status != 200:
            return Page(502, body="token endpoint answered %d\n" % status)
        problems = self.rp.check_id_token(tokens["id_token"], login.nonce).problems
        if problems:
            return Page(401, body="id_token refused: %s\n" % ", ".join(problems))
        return redirect(cli_redirect + "?pomerium_jwt=" + secrets.token_urlsafe(24))

    def stop(self):
        self.site.stop()


class LoginFlowTest(unittest.TestCase):
    def setUp(self):
        # The provider on "localhost" and the proxy on 127.0.0.1 are two sites,
        # as they are in real deployments.
        self.provider = FakeOidcProvider(issuer_host="localhost", log=None).start()
        self.addCleanup(self.provider.stop)
        self.cli = Site({"/": lambda v: Page(200, body="Login complete. You may close this window.\n")})
        self.addCleanup(self.cli.stop)
        directory = harness.tmpdir(self.id().rsplit(".", 1)[-1])
        self.env = dict(os.environ,
                        POSTERN_TEST_BROWSER_COOKIES=os.path.join(directory, "cookies.txt"),
                        POSTERN_TEST_BROWSER_LOG=os.path.join(directory, "browser.log"))
        self.log_path = self.env["POSTERN_TEST_BROWSER_LOG"]
        for path in (self.env["POSTERN_TEST_BROWSER_COOKIES"], self.log_path):
            if os.path.exists(path):
                os.remove(path)

    def proxy(self, **kwargs):
        proxy = StandInProxy(self.provider, **kwargs)
        self.addCleanup(proxy.stop)
        self.provider.redirect_uris = [proxy.rp.redirect_uri]
        return proxy

    def login(self, proxy):
        """What the CLI does: open the sign-in URL with --browser-cmd and wait for the token."""
        url = proxy.sign_in_url(self.cli.url("/"))
        status = subprocess.run([BROWSER, url], env=self.env, timeout=60).returncode
        with open(self.log_path) as f:
            return status, f.read()

    def test_login_reaches_the_cli_with_a_token_and_logs_no_secret(self):
        status, log = self.login(self.proxy())
        self.assertEqual(status, 0, log)
        [visit] = self.cli.visits("/")
        token = visit.query["pomerium_jwt"]
        self.assertIn("Login complete", log)
        self.assertNotIn(token, log)
        self.assertIn("pomerium_jwt=...", log)
        self.assertIn("/oauth2/callback?code=...&state=...", log)
        stats = self.provider.stats()
        self.assertEqual((stats["authorize"], stats["token"], stats["id_tokens_issued"]), (1, 1, 1))

    def test_a_second_login_reuses_the_provider_session_cookie(self):
        proxy = self.proxy()
        self.assertEqual(self.login(proxy)[0], 0)
        self.assertEqual(self.provider.stats()["sessions_reused"], 0)
        self.assertEqual(self.login(proxy)[0], 0)
        self.assertEqual(self.provider.stats()["sessions_reused"], 1)
        self.assertEqual(len(self.cli.visits("/")), 2)

    def test_a_misbehaving_provider_stops_the_login_at_the_callback(self):
        proxy = self.proxy()
        for mode, status_line in (("authorize_error", "HTTP 403"), ("wrong_aud", "HTTP 401"),
                                  ("token_error", "HTTP 502"), ("nonce_mismatch", "HTTP 401")):
            with self.subTest(mode):
                self.provider.set_misbehave(mode)
                status, log = self.login(proxy)
                self.assertEqual(status, 1, log)
                self.assertIn(status_line + " at " + proxy.site.url("/oauth2/callback"), log)
        self.assertEqual(self.cli.visits("/"), [])

    def test_a_samesite_strict_state_cookie_is_lost_on_the_way_back_as_in_real_browsers(self):
        status, log = self.login(self.proxy(csrf_same_site="Strict"))
        self.assertEqual(status, 1, log)
        self.assertIn("state cookie missing", log)


if __name__ == "__main__":
    unittest.main()
