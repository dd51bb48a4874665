"""The fake OIDC provider does the code flow right, and each misbehaviour flaws exactly one thing.

Checked from outside with relying_party.RelyingParty, which verifies id_tokens
with its own code, so the proxy's tests can trust what each mode produces.
"""

import base64
import json
import os
import re
import socket
import time
import unittest

from fake_oidc_provider import FakeOidcProvider, MISBEHAVIOURS, User
from relying_party import RelyingParty, b64url_decode, http_request
from testing.harness import harness

CALLBACK = "https://127.0.0.1:8443/oauth2/callback"
SECRET = "postern-test-secret"


def quiet_provider(**kwargs):
    kwargs.setdefault("redirect_uris", [CALLBACK])
    kwargs.setdefault("log", None)
    return FakeOidcProvider(**kwargs).start()


def control(provider, path, body):
    return http_request(provider.url + path, "POST", {"Content-Type": "text/plain"}, body)


class CodeFlowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.provider = quiet_provider()

    @classmethod
    def tearDownClass(cls):
        cls.provider.stop()

    def setUp(self):
        self.provider.set_misbehave("none")
        self.provider.set_alg("RS256")
        self.rp = RelyingParty(self.provider.issuer, "postern", SECRET, CALLBACK)

    def sign_in(self):
        login = self.rp.begin()
        params = self.rp.authorize(login)
        self.assertEqual(params["state"], login.state)
        status, tokens = self.rp.exchange(params["code"], login)
        self.assertEqual(status, 200, tokens)
        return login, tokens

    def test_discovery_names_every_endpoint_and_says_it_is_a_test_provider(self):
        doc = self.rp.discover()
        issuer = self.provider.issuer
        self.assertEqual(doc["issuer"], issuer)
        self.assertEqual(doc["authorization_endpoint"], issuer + "/authorize")
        self.assertEqual(doc["token_endpoint"], issuer + "/token")
        self.assertEqual(doc["jwks_uri"], issuer + "/jwks")
        self.assertEqual(doc["userinfo_endpoint"], issuer + "/userinfo")
        self.assertEqual(doc["response_types_supported"], ["code"])
        self.assertEqual(doc["id_token_signing_alg_values_supported"], ["RS256", "ES256"])
        self.assertEqual(doc["token_endpoint_auth_methods_supported"],
                         ["client_secret_basic", "client_secret_post"])
        self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
        self.assertIn("openid", doc["scopes_supported"])
        self.assertIn("public", doc["subject_types_supported"])
        self.assertIn("never use in production", doc["service_documentation"])

    def test_code_flow_with_pkce_yields_a_verified_id_token_for_the_configured_user(self):
        for alg in ("RS256", "ES256"):
            with self.subTest(alg=alg):
                self.provider.set_alg(alg)
                login, tokens = self.sign_in()
                self.assertEqual(tokens["token_type"], "Bearer")
                self.assertEqual(tokens["expires_in"], 3600)
                verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
                self.assertEqual(verdict.problems, [])
                self.assertEqual(verdict.header["alg"], alg)
                claims = verdict.claims
                self.assertEqual(claims["sub"], "user-alice")
                self.assertEqual(claims["email"], "alice@example.com")
                self.assertEqual(claims["name"], "Alice Example")
                self.assertEqual(claims["groups"], ["admins", "developers"])
                self.assertLessEqual(abs(claims["iat"] - time.time()), 5)
                status, userinfo = self.rp.userinfo(tokens["access_token"])
                self.assertEqual(status, 200)
                self.assertEqual(userinfo["email"], "alice@example.com")
                self.assertEqual(userinfo["groups"], ["admins", "developers"])

    def test_client_secret_post_is_accepted(self):
        login = self.rp.begin()
        params = self.rp.authorize(login)
        status, tokens = self.rp.exchange(params["code"], login, method="client_secret_post")
        self.assertEqual(status, 200, tokens)
        self.assertEqual(self.rp.check_id_token(tokens["id_token"], login.nonce).problems, [])

    def test_each_token_misbehaviour_flaws_exactly_the_check_it_names(self):
        expected = {"wrong_iss": ["iss"], "wrong_aud": ["aud"], "bad_signature": ["signature"],
                    "expired": ["exp"], "unknown_kid": ["kid"], "nonce_mismatch": ["nonce"],
                    "alg_none": ["alg"], "missing_email": [], "rotate_key": []}
        for alg in ("RS256", "ES256"):
            self.provider.set_alg(alg)
            for mode, problems in expected.items():
                with self.subTest(alg=alg, mode=mode):
                    self.provider.set_misbehave(mode)
                    login, tokens = self.sign_in()
                    verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
                    self.assertEqual(verdict.problems, problems)
        self.provider.set_misbehave("none")

    def test_expired_token_is_outside_any_reasonable_leeway(self):
        self.provider.set_misbehave("expired")
        login, tokens = self.sign_in()
        claims = self.rp.check_id_token(tokens["id_token"], login.nonce).claims
        self.assertLess(claims["exp"], time.time() - 3000)
        self.assertLess(claims["iat"], claims["exp"])

    def test_alg_none_token_is_unsigned(self):
        self.provider.set_misbehave("alg_none")
        _, tokens = self.sign_in()
        header, _, signature = tokens["id_token"].split(".")
        self.assertEqual(json.loads(b64url_decode(header)), {"alg": "none", "typ": "JWT"})
        self.assertEqual(signature, "")

    def test_bad_signature_keeps_a_served_kid(self):
        self.provider.set_misbehave("bad_signature")
        _, tokens = self.sign_in()
        kid = json.loads(b64url_decode(tokens["id_token"].split(".")[0]))["kid"]
        self.assertIn(kid, [k["kid"] for k in self.provider.jwks()["keys"]])

    def test_unknown_kid_is_never_served(self):
        self.provider.set_misbehave("unknown_kid")
        login, tokens = self.sign_in()
        verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
        self.assertTrue(verdict.refetched_jwks)
        self.assertNotIn(verdict.header["kid"], [k["kid"] for k in self.provider.jwks()["keys"]])

    def test_missing_email_drops_email_from_id_token_and_userinfo(self):
        self.provider.set_misbehave("missing_email")
        login, tokens = self.sign_in()
        claims = self.rp.check_id_token(tokens["id_token"], login.nonce).claims
        self.assertNotIn("email", claims)
        self.assertEqual(claims["sub"], "user-alice")
        status, userinfo = self.rp.userinfo(tokens["access_token"])
        self.assertEqual(status, 200)
        self.assertNotIn("email", userinfo)

    def test_rotate_key_serves_the_new_kid_only_after_the_token_is_signed(self):
        self.provider.set_alg("RS256")
        self.rp.discover()
        cached = set(self.rp.fetch_jwks())
        self.provider.set_misbehave("rotate_key")
        jwks_before = self.provider.stats()["jwks"]
        kids = []
        for _ in range(2):
            login, tokens = self.sign_in()
            verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
            self.assertEqual(verdict.problems, [])
            self.assertTrue(verdict.refetched_jwks, "the new kid was already in the cached JWKS")
            self.assertNotIn(verdict.header["kid"], cached)
            kids.append(verdict.header["kid"])
        self.assertNotEqual(kids[0], kids[1])
        self.assertEqual(self.provider.stats()["jwks"], jwks_before + 2)
        # The rotated key stays current: in normal mode the next token reuses it.
        self.provider.set_misbehave("none")
        login, tokens = self.sign_in()
        verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
        self.assertEqual((verdict.header["kid"], verdict.refetched_jwks), (kids[1], False))

    def test_token_error_answers_invalid_grant(self):
        self.provider.set_misbehave("token_error")
        login = self.rp.begin()
        params = self.rp.authorize(login)
        status, answer = self.rp.exchange(params["code"], login)
        self.assertEqual(status, 400)
        self.assertEqual(answer["error"], "invalid_grant")
        self.assertIn("error_description", answer)

    def test_authorize_error_redirects_with_access_denied_and_the_state(self):
        self.provider.set_misbehave("authorize_error")
        login = self.rp.begin()
        params = self.rp.authorize(login)
        self.assertEqual(params["error"], "access_denied")
        self.assertEqual(params["state"], login.state)
        self.assertNotIn("code", params)

    def test_every_mode_is_covered_by_a_test(self):
        covered = {"none", "wrong_iss", "wrong_aud", "bad_signature", "expired", "unknown_kid",
                   "missing_email", "nonce_mismatch", "token_error", "authorize_error", "slow",
                   "alg_none", "rotate_key"}
        self.assertEqual(set(MISBEHAVIOURS), covered)

    def test_a_code_is_good_for_one_exchange(self):
        login = self.rp.begin()
        code = self.rp.authorize(login)["code"]
        self.assertEqual(self.rp.exchange(code, login)[0], 200)
        status, answer = self.rp.exchange(code, login)
        self.assertEqual((status, answer["error"]), (400, "invalid_grant"))

    def test_token_endpoint_refusals(self):
        cases = [
            ("wrong verifier", {"verifier": "v" * 43}, 400, "invalid_grant"),
            ("short verifier", {"verifier": "v" * 20}, 400, "invalid_grant"),
            ("other redirect_uri", {"redirect_uri": CALLBACK + "x"}, 400, "invalid_grant"),
            ("wrong secret basic", {"secret": "nope"}, 401, "invalid_client"),
            ("wrong secret post", {"secret": "nope", "method": "client_secret_post"}, 401,
             "invalid_client"),
            ("no client auth", {"method": "none"}, 401, "invalid_client"),
        ]
        for name, overrides, want_status, want_error in cases:
            with self.subTest(name):
                login = self.rp.begin()
                code = self.rp.authorize(login)["code"]
                status, answer = self.rp.exchange(code, login, **overrides)
                self.assertEqual((status, answer["error"]), (want_status, want_error), answer)

    def test_basic_auth_refusal_carries_a_challenge(self):
        self.rp.discover()
        answer = http_request(self.provider.url + "/token", "POST",
                              {"Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": "Basic " + base64.b64encode(b"postern:no").decode()},
                              "grant_type=authorization_code&code=x")
        self.assertEqual(answer.status, 401)
        self.assertIn("Basic", answer.headers["WWW-Authenticate"])

    def test_token_endpoint_refuses_two_client_auth_methods_and_other_grants(self):
        basic = "Basic " + base64.b64encode(b"postern:" + SECRET.encode()).decode()
        form = "application/x-www-form-urlencoded"
        both = http_request(self.provider.url + "/token", "POST",
                            {"Content-Type": form, "Authorization": basic},
                            "grant_type=authorization_code&code=x&client_secret=" + SECRET)
        self.assertEqual((both.status, both.json()["error"]), (400, "invalid_request"))
        refresh = http_request(self.provider.url + "/token", "POST",
                               {"Content-Type": form, "Authorization": basic},
                               "grant_type=refresh_token&refresh_token=x")
        self.assertEqual((refresh.status, refresh.json()["error"]), (400, "unsupported_grant_type"))
        not_form = http_request(self.provider.url + "/token", "POST",
                                {"Content-Type": "application/json", "Authorization": basic}, "{}")
        self.assertEqual((not_form.status, not_form.json()["error"]), (400, "invalid_request"))

    def test_authorize_refuses_a_bad_client_or_redirect_uri_without_redirecting(self):
        for name, params in (("unregistered redirect_uri", {"redirect_uri": CALLBACK + "/evil"}),
                             ("unknown client", {"client_id": "mallory"})):
            with self.subTest(name):
                answer = http_request(self.rp.begin(**params).authorize_url)
                self.assertEqual(answer.status, 400)
                self.assertNotIn("Location", answer.headers)

    def test_authorize_insists_on_pkce_s256_state_nonce_and_openid(self):
        cases = [
            ("no challenge", {"code_challenge": None}, "invalid_request"),
            ("plain challenge", {"code_challenge_method": "plain"}, "invalid_request"),
            ("no method", {"code_challenge_method": None}, "invalid_request"),
            ("no nonce", {"nonce": None}, "invalid_request"),
            ("no state", {"state": None}, "invalid_request"),
            ("implicit flow", {"response_type": "id_token"}, "unsupported_response_type"),
            ("no openid scope", {"scope": "email"}, "invalid_scope"),
        ]
        for name, params, error in cases:
            with self.subTest(name):
                login = self.rp.begin(**params)
                answer = self.rp.authorize(login)
                self.assertEqual(answer["error"], error)
                self.assertNotIn("code", answer)
                self.assertEqual(answer.get("state"), params.get("state", login.state))

    def test_userinfo_refuses_an_unknown_token(self):
        self.rp.discover()
        status, _ = self.rp.userinfo("not-a-token")
        self.assertEqual(status, 401)

    def test_session_cookie_is_recognised_on_a_second_sign_in(self):
        before = self.provider.stats()["sessions_reused"]
        params = self.rp.authorize(self.rp.begin())
        cookie = params["_set_cookie"].split(";")[0]
        self.assertTrue(cookie.startswith("fake_oidc_session="))
        self.rp.authorize(self.rp.begin(), cookie=cookie)
        self.assertEqual(self.provider.stats()["sessions_reused"], before + 1)


class ControlApiTest(unittest.TestCase):
    def setUp(self):
        self.provider = quiet_provider()
        self.addCleanup(self.provider.stop)
        self.rp = RelyingParty(self.provider.issuer, "postern", SECRET, CALLBACK)

    def test_misbehave_is_set_and_read_over_http(self):
        answer = control(self.provider, "/control/misbehave", "wrong_aud\n")
        self.assertEqual(answer.status, 200)
        self.assertEqual(http_request(self.provider.url + "/control/misbehave").body, b"wrong_aud\n")
        login = self.rp.begin()
        _, tokens = self.rp.exchange(self.rp.authorize(login)["code"], login)
        self.assertEqual(self.rp.check_id_token(tokens["id_token"], login.nonce).problems, ["aud"])

    def test_unknown_mode_is_refused_with_the_list_of_modes(self):
        answer = control(self.provider, "/control/misbehave", "sideways")
        self.assertEqual(answer.status, 400)
        self.assertIn(b"rotate_key", answer.body)
        self.assertEqual(self.provider.misbehave, "none")

    def test_stats_count_requests_per_endpoint_and_reset(self):
        login = self.rp.begin()
        self.rp.exchange(self.rp.authorize(login)["code"], login)
        self.rp.fetch_jwks()
        stats = http_request(self.provider.url + "/control/stats").json()
        self.assertEqual({k: stats[k] for k in ("discovery", "authorize", "token", "jwks")},
                         {"discovery": 1, "authorize": 1, "token": 1, "jwks": 1})
        self.assertEqual(stats["id_tokens_issued"], 1)
        self.assertEqual(control(self.provider, "/control/stats/reset", "").status, 200)
        self.assertEqual(http_request(self.provider.url + "/control/stats").json()["authorize"], 0)

    def test_alg_and_user_are_set_over_http(self):
        self.assertEqual(control(self.provider, "/control/alg", "ES256").status, 200)
        self.assertEqual(control(self.provider, "/control/alg", "HS256").status, 400)
        user = {"sub": "bob", "email": "bob@example.com", "name": "Bob", "groups": ["ops"]}
        self.assertEqual(control(self.provider, "/control/user", json.dumps(user)).status, 200)
        self.assertEqual(control(self.provider, "/control/user", "{").status, 400)
        login = self.rp.begin()
        _, tokens = self.rp.exchange(self.rp.authorize(login)["code"], login)
        verdict = self.rp.check_id_token(tokens["id_token"], login.nonce)
        self.assertEqual(verdict.problems, [])
        self.assertEqual(verdict.header["alg"], "ES256")
        self.assertEqual((verdict.claims["sub"], verdict.claims["groups"]), ("bob", ["ops"]))

    def test_unknown_paths_and_methods_are_refused(self):
        self.assertEqual(http_request(self.provider.url + "/nowhere").status, 404)
        self.assertEqual(http_request(self.provider.url + "/token").status, 405)


class ConfigurationTest(unittest.TestCase):
    def test_post_only_provider_lists_only_post_and_refuses_basic(self):
        with quiet_provider(token_auth_methods=["client_secret_post"]) as provider:
            rp = RelyingParty(provider.issuer, "postern", SECRET, CALLBACK)
            rp.discover()
            self.assertEqual(rp.token_auth_method, "client_secret_post")
            login = rp.begin()
            status, answer = rp.exchange(rp.authorize(login)["code"], login,
                                         method="client_secret_basic")
            self.assertEqual((status, answer["error"]), (401, "invalid_client"))
            login = rp.begin()
            status, _ = rp.exchange(rp.authorize(login)["code"], login)
            self.assertEqual(status, 200)

    def test_custom_groups_claim_issuer_host_and_user(self):
        user = User(sub="u-7", email="carol@example.com", name="Carol", groups=["a", "b"])
        with quiet_provider(groups_claim="roles", issuer_host="localhost", user=user) as provider:
            self.assertEqual(provider.issuer, "http://localhost:%d" % provider.port)
            rp = RelyingParty(provider.issuer, "postern", SECRET, CALLBACK)
            login = rp.begin()
            _, tokens = rp.exchange(rp.authorize(login)["code"], login)
            verdict = rp.check_id_token(tokens["id_token"], login.nonce)
            self.assertEqual(verdict.problems, [])
            self.assertEqual(verdict.claims["roles"], ["a", "b"])
            self.assertNotIn("groups", verdict.claims)
            self.assertEqual(rp.userinfo(tokens["access_token"])[1]["roles"], ["a", "b"])

    def test_any_redirect_uri_is_accepted_when_none_is_registered(self):
        with quiet_provider(redirect_uris=[]) as provider:
            rp = RelyingParty(provider.issuer, "postern", SECRET, "http://127.0.0.1:1/anything")
            self.assertIn("code", rp.authorize(rp.begin()))

    def test_slow_mode_delays_the_token_answer_but_not_other_endpoints(self):
        with quiet_provider(misbehave="slow", slow_seconds=1.5) as provider:
            rp = RelyingParty(provider.issuer, "postern", SECRET, CALLBACK)
            login = rp.begin()
            code = rp.authorize(login)["code"]
            with self.assertRaises(socket.timeout):
                rp.exchange(code, login, timeout=0.3)
            # While that exchange still waits, discovery answers at once.
            start = time.monotonic()
            rp.discover()
            self.assertLess(time.monotonic() - start, 1.0)
            login = rp.begin()
            code = rp.authorize(login)["code"]
            start = time.monotonic()
            status, _ = rp.exchange(code, login, timeout=10)
            self.assertEqual(status, 200)
            self.assertGreaterEqual(time.monotonic() - start, 1.5)

    def test_stop_cuts_a_slow_exchange_short(self):
        provider = quiet_provider(misbehave="slow", slow_seconds=60)
        rp = RelyingParty(provider.issuer, "postern", SECRET, CALLBACK)
        login = rp.begin()
        code = rp.authorize(login)["code"]
        with self.assertRaises(socket.timeout):
            rp.exchange(code, login, timeout=0.3)
        start = time.monotonic()
        provider.stop()
        self.assertLess(time.monotonic() - start, 10)

    def test_https_with_a_test_ca(self):
        pki = harness.Pki(harness.tmpdir("oidc-pki"), ["127.0.0.1"])
        ca, cert, key = pki.ca_cert, pki.cert, pki.key
        with quiet_provider(tls_cert=cert, tls_key=key) as provider:
            self.assertTrue(provider.issuer.startswith("https://127.0.0.1:"))
            rp = RelyingParty(provider.issuer, "postern", SECRET, CALLBACK, ca_file=ca)
            login = rp.begin()
            params = rp.authorize(login)
            self.assertIn("Secure", params["_set_cookie"])
            status, tokens = rp.exchange(params["code"], login)
            self.assertEqual(status, 200)
            self.assertEqual(rp.check_id_token(tokens["id_token"], login.nonce).problems, [])

    def test_bad_settings_are_refused(self):
        for kwargs in ({"misbehave": "sideways"}, {"alg": "HS256"},
                       {"token_auth_methods": ["private_key_jwt"]}, {"tls_cert": "x.pem"}):
            with self.subTest(kwargs):
                with self.assertRaises(ValueError):
                    FakeOidcProvider(**kwargs)


class ProgramTest(unittest.TestCase):
    """The provider run as a program, as the demo and process-level tests run it."""

    def start(self, *flags):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_oidc_provider.py")
        process = harness.Process("fake-oidc", ["/usr/bin/python3", script] + list(flags))
        self.addCleanup(process.kill)
        match = process.wait_for(r"fake-oidc listening on (http://127\.0\.0\.1:(\d+))$")
        self.assertEqual(process.lines()[0], match.group(0))
        return process, match.group(1)

    def test_flags_configure_client_user_and_misbehaviour(self):
        process, url = self.start("--client-id", "cli-app", "--client-secret", "s3",
                                  "--redirect-uri", CALLBACK, "--user-sub", "u-9",
                                  "--user-email", "dave@example.com", "--user-name", "Dave",
                                  "--user-groups", "x,y", "--groups-claim", "teams",
                                  "--alg", "ES256", "--misbehave", "wrong_iss")
        rp = RelyingParty(url, "cli-app", "s3", CALLBACK)
        login = rp.begin()
        _, tokens = rp.exchange(rp.authorize(login)["code"], login)
        verdict = rp.check_id_token(tokens["id_token"], login.nonce)
        self.assertEqual(verdict.problems, ["iss"])
        self.assertEqual(verdict.header["alg"], "ES256")
        self.assertEqual((verdict.claims["sub"], verdict.claims["email"], verdict.claims["teams"]),
                         ("u-9", "dave@example.com", ["x", "y"]))
        self.assertEqual(control_url(url, "/control/misbehave", "none").status, 200)
        login = rp.begin()
        _, tokens = rp.exchange(rp.authorize(login)["code"], login)
        self.assertEqual(rp.check_id_token(tokens["id_token"], login.nonce).problems, [])
        # Logs name paths, never the codes and states in queries.
        process.wait_for(r"POST /token -> 200")
        self.assertNotRegex(process.output(), r"code=|state=|" + re.escape(login.state))
        self.assertEqual(process.stop(), 0)

    def test_issuer_host_and_fixed_port(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        _, url = self.start("--port", str(port), "--issuer-host", "localhost", "--quiet")
        self.assertEqual(url, "http://127.0.0.1:%d" % port)
        doc = http_request(url + "/.well-known/openid-configuration").json()
        self.assertEqual(doc["issuer"], "http://localhost:%d" % port)

    def test_bad_flags_exit_2(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_oidc_provider.py")
        process = harness.Process("fake-oidc", ["/usr/bin/python3", script, "--misbehave", "odd"])
        self.addCleanup(process.kill)
        self.assertEqual(process.proc.wait(20), 2)
        process.wait_for(r"invalid choice")


def control_url(url, path, body):
    return http_request(url + path, "POST", {"Content-Type": "text/plain"}, body)


if __name__ == "__main__":
    unittest.main()
