"""Debian's curl as an independent CONNECT client of postern-proxy.

curl's own HTTPS-proxy and CONNECT code (not ours, not Python's) opens the
tunnel, so this catches protocol details our own clients would agree with us
on by mistake: the TLS setup towards a proxy, the CONNECT head, the answer's
framing, and the tunnel that follows.
"""

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import unittest

from testing.harness import harness

PROXY_NAME = "proxy.localhost.example"
USER = "a@example.com"
CURL = shutil.which("curl") or "/usr/bin/curl"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class CurlConnectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("curl")
        cls.site = os.path.join(cls.dir, "site")
        os.makedirs(cls.site, exist_ok=True)
        cls.content = os.urandom(256 * 1024)
        with open(os.path.join(cls.site, "file"), "wb") as f:
            f.write(cls.content)
        handler = functools.partial(QuietHandler, directory=cls.site)
        cls.web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=cls.web.serve_forever, daemon=True).start()
        cls.web_port = cls.web.server_address[1]
        cls.authority = "web.localhost.example:%d" % cls.web_port

        cls.pki = harness.Pki(cls.dir, [PROXY_NAME])
        cls.postern = harness.Postern(cls.dir, {
            "shared_secret": harness.new_secret(),
            "certificate_file": cls.pki.cert,
            "certificate_key_file": cls.pki.key,
            "routes": [{"from": "tcp+https://" + cls.authority,
                        "to": "tcp://127.0.0.1:%d" % cls.web_port,
                        "policy": [{"allow": {"or": [{"email": {"is": USER}}]}}]}],
        })
        cls.proxy = cls.postern.proxy
        cls.proxy_port = harness.split_address(cls.postern.address)[1]

    @classmethod
    def tearDownClass(cls):
        cls.postern.kill()
        cls.web.shutdown()
        cls.web.server_close()

    def token(self, email):
        return self.postern.service_account(email)

    def curl(self, *extra):
        # --resolve makes curl reach the proxy's name on loopback, so the
        # proxy's certificate is verified against the name it was issued for.
        args = [CURL, "-sS", "--max-time", "30",
                "--proxy", "https://%s:%d" % (PROXY_NAME, self.proxy_port),
                "--proxy-cacert", self.pki.ca_cert,
                "--resolve", "%s:%d:127.0.0.1" % (PROXY_NAME, self.proxy_port),
                "-p"] + list(extra) + ["http://%s/file" % self.authority]
        return subprocess.run(args, capture_output=True, timeout=60)

    def test_curl_fetches_a_file_through_the_tunnel(self):
        token = self.token(USER)
        result = self.curl("--proxy-header", "Authorization: Pomerium " + token)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertEqual(result.stdout, self.content)
        line = self.proxy.wait_for(r'^\{.*"log":"access".*"status":200')
        record = json.loads(line.string)
        self.assertEqual(record["email"], USER)
        self.assertEqual(record["authority"], self.authority)
        self.assertGreaterEqual(record["bytes_down"], len(self.content))
        self.assertNotIn(token.split(".")[2], self.proxy.output())

    def test_curl_without_a_session_sees_401(self):
        result = self.curl()
        self.assertEqual(result.returncode, 56, result.stderr.decode())
        self.assertIn("CONNECT tunnel failed, response 401", result.stderr.decode())
        self.assertEqual(result.stdout, b"")

    def test_curl_with_a_user_the_policy_denies_sees_403(self):
        result = self.curl("--proxy-header", "Authorization: Pomerium " + self.token("b@example.com"))
        self.assertEqual(result.returncode, 56, result.stderr.decode())
        self.assertIn("CONNECT tunnel failed, response 403", result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
