"""oauth2-mock-server (npm), started by its launcher, serves the flow the proxy will use.

This is the interoperability peer: a provider Postern did not write. The test
runs the same tiny relying party against it, and pins the differences from the
fake provider that the proxy has to live with (see README.md).
"""

import os
import unittest

from relying_party import RelyingParty, http_request
from testing.harness import harness

CALLBACK = "https://127.0.0.1:8443/oauth2/callback"
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "start_oauth2_mock_server.sh")


class OAuth2MockServerTest(unittest.TestCase):
    def start(self, *flags):
        process = harness.Process("oauth2-mock-server", [LAUNCHER] + list(flags))
        self.addCleanup(process.kill)
        url = process.wait_for(r"oauth2-mock-server listening on (http://127\.0\.0\.1:\d+)$",
                               timeout=60).group(1)
        return process, url

    def test_serves_discovery_with_the_reachable_issuer(self):
        _, url = self.start()
        doc = http_request(url + "/.well-known/openid-configuration").json()
        self.assertEqual(doc["issuer"], url)
        self.assertEqual(doc["authorization_endpoint"], url + "/authorize")
        self.assertIn("S256", doc["code_challenge_methods_supported"])
        self.assertEqual(doc["response_types_supported"], ["code"])
        # Lists neither secret method, so the proxy must fall back to client_secret_basic.
        self.assertEqual(doc["token_endpoint_auth_methods_supported"], ["none"])

    def test_code_flow_with_pkce_and_both_client_auth_methods(self):
        _, url = self.start("--user-sub", "u-42", "--user-email", "erin@example.com",
                            "--user-name", "Erin", "--user-groups", "sre,db")
        rp = RelyingParty(url, "postern", "any-secret", CALLBACK)
        rp.discover()
        self.assertEqual(rp.token_auth_method, "client_secret_basic")
        for method in ("client_secret_basic", "client_secret_post"):
            with self.subTest(method):
                login = rp.begin()
                params = rp.authorize(login)
                self.assertEqual(params["state"], login.state)
                status, tokens = rp.exchange(params["code"], login, method=method)
                self.assertEqual(status, 200, tokens)
                verdict = rp.check_id_token(tokens["id_token"], login.nonce)
                self.assertEqual(verdict.problems, [])
                self.assertEqual(verdict.header["alg"], "RS256")
                claims = verdict.claims
                self.assertEqual((claims["sub"], claims["email"], claims["name"], claims["groups"]),
                                 ("u-42", "erin@example.com", "Erin", ["sre", "db"]))
                status, userinfo = rp.userinfo(tokens["access_token"])
                self.assertEqual((status, userinfo["email"]), (200, "erin@example.com"))

    def test_es256_and_a_custom_groups_claim(self):
        _, url = self.start("--alg", "ES256", "--groups-claim", "roles")
        rp = RelyingParty(url, "postern", "s", CALLBACK)
        login = rp.begin()
        _, tokens = rp.exchange(rp.authorize(login)["code"], login)
        verdict = rp.check_id_token(tokens["id_token"], login.nonce)
        self.assertEqual(verdict.problems, [])
        self.assertEqual(verdict.header["alg"], "ES256")
        self.assertEqual(verdict.claims["roles"], ["admins", "developers"])

    def test_a_wrong_pkce_verifier_is_refused(self):
        _, url = self.start()
        rp = RelyingParty(url, "postern", "s", CALLBACK)
        login = rp.begin()
        status, answer = rp.exchange(rp.authorize(login)["code"], login, verifier="v" * 43)
        # RFC 7636 says invalid_grant; this provider says invalid_request.
        self.assertEqual((status, answer["error"]), (400, "invalid_request"))


if __name__ == "__main__":
    unittest.main()
