"""The scripted browser walks redirect chains across servers and keeps cookies like a browser."""

import os
import socket
import stat
import subprocess
import threading
import unittest

from test_site import Page, Site, redirect
from testing.harness import harness

BROWSER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripted_browser.py")


class BrowserRun:
    def __init__(self, status, log):
        self.status = status
        self.log = log


class ScriptedBrowserTest(unittest.TestCase):
    def setUp(self):
        self.dir = harness.tmpdir(self.id().rsplit(".", 1)[-1])
        self.cookies = os.path.join(self.dir, "cookies.txt")
        self.log = os.path.join(self.dir, "browser.log")
        for path in (self.cookies, self.log):
            if os.path.exists(path):
                os.remove(path)

    def site(self, routes, **kwargs):
        site = Site(routes, **kwargs)
        self.addCleanup(site.stop)
        return site

    def browse(self, url, **env):
        """Runs the browser as the CLI would, to the end; returns its status and this run's log."""
        start = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        environment = dict(os.environ, POSTERN_TEST_BROWSER_COOKIES=self.cookies,
                           POSTERN_TEST_BROWSER_LOG=self.log)
        environment.update(env)
        status = subprocess.run([BROWSER, url], env=environment, timeout=60).returncode
        with open(self.log) as f:
            f.seek(start)
            return BrowserRun(status, f.read())

    def test_follows_redirects_across_servers_and_returns_each_cookie_to_its_host(self):
        a = b = None
        a = self.site({
            "/start": lambda v: redirect(b.url("/hop", host="localhost"), cookies=["sid=a1; Path=/"]),
            "/check": lambda v: redirect(b.url("/final", host="localhost"), status=307),
        })
        b = self.site({
            "/hop": lambda v: redirect(a.url("/check"), status=303,
                                       cookies=["bsid=b1; Path=/; HttpOnly"]),
            "/final": lambda v: Page(200, body="signed in, you may close this window\n"),
        })
        run = self.browse(a.url("/start"))
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(a.visits("/start")[0].cookies(), {})
        self.assertEqual(a.visits("/check")[0].cookies(), {"sid": "a1"})
        self.assertEqual(b.visits("/final")[0].cookies(), {"bsid": "b1"})
        self.assertIn("signed in, you may close this window", run.log)
        self.assertRegex(run.log, r"scripted-browser: exit 0: reached 200 at http://localhost:\d+/final\n$")

        # A second run reuses the session cookies saved in the jar file.
        run = self.browse(a.url("/start"))
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(a.visits("/start")[1].cookies(), {"sid": "a1"})
        self.assertEqual(stat.S_IMODE(os.stat(self.cookies).st_mode), 0o600)

    def test_without_a_jar_file_cookies_last_one_run(self):
        a = self.site({"/start": lambda v: redirect("/end", cookies=["sid=1"]),
                       "/end": lambda v: Page(200, body="ok")})
        for _ in range(2):
            self.assertEqual(self.browse(a.url("/start"), POSTERN_TEST_BROWSER_COOKIES="").status, 0)
        self.assertEqual([v.cookies() for v in a.visits("/end")], [{"sid": "1"}, {"sid": "1"}])
        self.assertEqual([v.cookies() for v in a.visits("/start")], [{}, {}])

    def test_path_and_domain_attributes_are_honoured(self):
        a = self.site({
            "/start": lambda v: redirect("/outside", cookies=[
                "scoped=1; Path=/app", "dom=1; Domain=127.0.0.1; Path=/",
                "foreign=1; Domain=example.com; Path=/", "tld=1; Domain=com; Path=/"]),
            "/outside": lambda v: redirect("/app/inside"),
            "/app/inside": lambda v: Page(200, body="ok"),
        })
        run = self.browse(a.url("/start"))
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(a.visits("/outside")[0].cookies(), {"dom": "1"})
        self.assertEqual(a.visits("/app/inside")[0].cookies(), {"scoped": "1", "dom": "1"})

    def test_localhost_domain_cookie_and_host_only_cookie_stay_apart_from_127_0_0_1(self):
        a = None
        a = self.site({
            "/start": lambda v: redirect(a.url("/ip"), cookies=[
                "named=1; Domain=localhost; Path=/", "hostonly=1; Path=/"]),
            "/ip": lambda v: redirect(a.url("/back", host="localhost")),
            "/back": lambda v: Page(200, body="ok"),
        })
        run = self.browse(a.url("/start", host="localhost"))
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(a.visits("/ip")[0].cookies(), {})
        self.assertEqual(a.visits("/back")[0].cookies(), {"named": "1", "hostonly": "1"})

    def test_secure_cookies_travel_over_https_only_and_the_ca_file_is_trusted(self):
        pki = harness.Pki(harness.tmpdir("browser-pki"), ["127.0.0.1"])
        ca, cert, key = pki.ca_cert, pki.cert, pki.key
        secure = plain = None
        secure = self.site({
            "/start": lambda v: redirect(plain.url("/plain"), cookies=["sec=1; Secure; Path=/"]),
            "/again": lambda v: Page(200, body="ok"),
        }, tls_cert=cert, tls_key=key)
        plain = self.site({
            "/plain": lambda v: redirect(secure.url("/again"), cookies=["bad=1; Secure; Path=/"]),
        })
        run = self.browse(secure.url("/start"), POSTERN_TEST_BROWSER_CA=ca)
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(plain.visits("/plain")[0].cookies(), {})
        self.assertEqual(secure.visits("/again")[0].cookies(), {"sec": "1"})

    def test_an_untrusted_certificate_fails_the_walk(self):
        untrusted = harness.Pki(harness.tmpdir("browser-pki-untrusted"), ["127.0.0.1"])
        cert, key = untrusted.cert, untrusted.key
        site = self.site({"/": lambda v: Page(200, body="ok")}, tls_cert=cert, tls_key=key)
        run = self.browse(site.url("/"))
        self.assertEqual(run.status, 4, run.log)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", run.log)

    def test_samesite_strict_cookie_is_withheld_after_a_cross_site_hop(self):
        a = b = None
        a = self.site({
            "/start": lambda v: redirect("/same", cookies=[
                "strict=1; SameSite=Strict; Path=/", "lax=1; SameSite=Lax; Path=/"]),
            "/same": lambda v: redirect(b.url("/elsewhere", host="localhost")),
            "/back": lambda v: Page(200, body="ok"),
        })
        b = self.site({"/elsewhere": lambda v: redirect(a.url("/back"))})
        run = self.browse(a.url("/start"))
        self.assertEqual(run.status, 0, run.log)
        self.assertEqual(a.visits("/same")[0].cookies(), {"strict": "1", "lax": "1"})
        self.assertEqual(a.visits("/back")[0].cookies(), {"lax": "1"})

    def test_secrets_in_urls_are_redacted_in_the_log(self):
        site = self.site({
            "/cb": lambda v: redirect("/done?pomerium_jwt=JWT-SECRET&user=visible"),
            "/done": lambda v: Page(200, body="ok"),
        })
        run = self.browse(site.url("/cb?code=CODE-SECRET&state=STATE-SECRET&iss=visible-iss"))
        self.assertEqual(run.status, 0, run.log)
        for secret in ("CODE-SECRET", "STATE-SECRET", "JWT-SECRET"):
            self.assertNotIn(secret, run.log)
        self.assertIn("/cb?code=...&state=...&iss=visible-iss", run.log)
        self.assertIn("/done?pomerium_jwt=...&user=visible", run.log)
        # The server still got the real values.
        self.assertEqual(site.visits("/done")[0].query["pomerium_jwt"], "JWT-SECRET")

    def test_an_error_page_ends_the_walk_with_status_1(self):
        site = self.site({"/start": lambda v: redirect("/denied"),
                          "/denied": lambda v: Page(403, body="policy says no\n")})
        run = self.browse(site.url("/start"))
        self.assertEqual(run.status, 1)
        self.assertIn("policy says no", run.log)
        self.assertRegex(run.log, r"exit 1: HTTP 403 at http://127\.0\.0\.1:\d+/denied\n$")

    def test_twenty_redirects_are_followed_and_the_twenty_first_is_refused(self):
        def hop(visit, limit):
            n = int(visit.query["n"])
            return Page(200, body="arrived") if n == limit else redirect("?n=%d" % (n + 1))

        site = self.site({"/20": lambda v: hop(v, 20), "/21": lambda v: hop(v, 21)})
        self.assertEqual(self.browse(site.url("/20?n=0")).status, 0)
        run = self.browse(site.url("/21?n=0"))
        self.assertEqual(run.status, 3)
        self.assertIn("too many redirects", run.log)
        self.assertEqual(len(site.visits("/21")), 21)

    def test_a_redirect_without_location_fails(self):
        site = self.site({"/": lambda v: Page(302)})
        run = self.browse(site.url("/"))
        self.assertEqual(run.status, 1)
        self.assertIn("without Location", run.log)

    def test_a_server_that_never_answers_times_out(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            url = "http://127.0.0.1:%d/" % silent.getsockname()[1]
            run = self.browse(url, POSTERN_TEST_BROWSER_TIMEOUT="1")
        self.assertEqual(run.status, 4)
        self.assertRegex(run.log, r"exit 4: .*(timed out|longer than)")

    def test_a_refused_connection_fails(self):
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            url = "http://127.0.0.1:%d/" % closed.getsockname()[1]
            run = self.browse(url)
        self.assertEqual(run.status, 4)
        self.assertIn("Connection refused", run.log)

    def test_detached_it_returns_at_once_and_finishes_on_its_own(self):
        release = threading.Event()

        def final(visit):
            release.wait(30)
            return Page(200, body="done later")

        site = self.site({"/": lambda v: redirect("/final"), "/final": final})
        env = dict(os.environ, POSTERN_TEST_BROWSER_DETACH="1", POSTERN_TEST_BROWSER_LOG="",
                   POSTERN_TEST_BROWSER_COOKIES="")
        browser = subprocess.Popen([BROWSER, site.url("/")], env=env, stderr=subprocess.PIPE)
        self.assertEqual(browser.wait(10), 0)
        self.assertFalse(release.is_set())
        release.set()
        # The detached walk keeps stderr open until it ends.
        log = browser.stderr.read().decode()
        browser.stderr.close()
        self.assertIn("done later", log)
        self.assertIn("exit 0: reached 200", log)

    def test_usage(self):
        for args in ([], ["http://a/", "http://b/"], ["--help"]):
            with self.subTest(args=args):
                result = subprocess.run([BROWSER] + args, capture_output=True, timeout=20)
                self.assertEqual(result.returncode, 2)
                self.assertIn(b"usage", result.stderr)


if __name__ == "__main__":
    unittest.main()
