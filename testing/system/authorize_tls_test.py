"""The proxy-to-authorize link over TLS (grpc_insecure: false).

Session tokens travel from the proxy to postern-authorize in every Check, so
when the two run on different hosts the link must not be plain text. These
tests start the real binaries with separate config files, as on two hosts:
authorize serving TLS with its own certificate, the proxy trusting it through
certificate_authority_file. A tunnel opens only when the proxy can verify
authorize; every way of getting that wrong fails closed (503), never falls
back to plain text.
"""

import json
import os
import signal
import subprocess
import unittest

from testing.harness import harness

AUTHORIZE = harness.binary("authorize/postern-authorize")
PROXY = harness.binary("proxy/postern-proxy")
PROXY_NAME = "proxy.localhost.example"
AUTHORIZE_NAME = "authorize.internal.example"
USER = "a@example.com"
AUTHORITY = "echo.localhost.example:7"


class AuthorizeTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("authorize_tls")
        cls.secret = harness.new_secret()
        cls.pki = harness.Pki(cls.dir, [PROXY_NAME])
        # Authorize's certificate names a host, not the loopback address the
        # proxy dials: the proxy must be told the name (override_certificate_name).
        cls.authorize_cert, cls.authorize_key = cls.pki.issue("authorize", [AUTHORIZE_NAME])
        cls.upstream = harness.EchoServer()
        cls.route = {"from": "tcp+https://" + AUTHORITY, "to": "tcp://" + cls.upstream.address,
                     "policy": [{"allow": {"or": [{"email": {"is": USER}}]}}]}
        cls.authorize, cls.authorize_address = cls.start_authorize("authorize", {
            "grpc_insecure": False,
            "certificate_file": cls.authorize_cert,
            "certificate_key_file": cls.authorize_key,
        })
        cls.proxies = []

    @classmethod
    def tearDownClass(cls):
        for proxy in cls.proxies:
            proxy.kill()
        cls.authorize.kill()
        cls.upstream.close()

    @classmethod
    def start_authorize(cls, name, settings):
        config = dict(settings, shared_secret=cls.secret, routes=[cls.route])
        path = harness.write_config(os.path.join(cls.dir, name + ".yaml"), config)
        process = harness.Process(name, [AUTHORIZE, "--config", path, "--grpc-address",
                                         "127.0.0.1:0"])
        address = process.wait_for(r"listening on (\S+) \(TLS, 1 routes\)").group(1)
        return process, address

    def start_proxy(self, name, settings):
        """A proxy with its own config file; returns (process, address, config path)."""
        config = dict(settings, shared_secret=self.secret, address="127.0.0.1:0",
                      certificate_file=self.pki.cert, certificate_key_file=self.pki.key,
                      authorize_timeout="1s", routes=[self.route])
        path = harness.write_config(os.path.join(self.dir, name + ".yaml"), config)
        process = harness.Process(name, [PROXY, "--config", path])
        self.proxies.append(process)
        address = process.wait_for(r"INFO listening on (\S+)").group(1)
        return process, address, path

    def token(self, config_path):
        result = subprocess.run([PROXY, "service-account", "--config", config_path, "--email",
                                 USER], capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return result.stdout.decode().strip()

    def open_tunnel(self, address, config_path):
        return harness.connect_tunnel(address, self.pki.ca_cert, AUTHORITY,
                                      token=self.token(config_path))

    def test_tunnel_opens_when_the_proxy_verifies_authorize(self):
        proxy, address, path = self.start_proxy("verified", {
            "authorize_service_url": "https://" + self.authorize_address,
            "certificate_authority_file": self.pki.ca_cert,
            "override_certificate_name": AUTHORIZE_NAME,
        })
        result = self.open_tunnel(address, path)
        self.assertEqual(result.status, 200, result.body)
        result.sock.sendall(b"through a verified authorize")
        self.assertEqual(harness.recv_exactly(result.sock, 28, result.leftover),
                         b"through a verified authorize")
        result.sock.close()
        record = json.loads(proxy.wait_for(r'^\{.*"log":"access".*"status":200').string)
        self.assertEqual(record["email"], USER)
        self.assertEqual(record["decision"], "allow")

    def assert_fails_closed(self, name, settings, why, check):
        """503 for a tunnel, and a log line that says what to check (gRPC reports a
        channel that cannot connect only as a missed deadline)."""
        proxy, address, path = self.start_proxy(name, settings)
        result = self.open_tunnel(address, path)
        self.assertEqual(result.status, 503, why)
        result.sock.close()
        line = proxy.wait_for(r"authorize service at \S+ unavailable .*").string
        self.assertIn("not connected: is postern-authorize running there, " + check, line)
        return proxy

    def test_certificate_from_an_untrusted_ca_fails_closed(self):
        # No certificate_authority_file: the system trust store does not know
        # the test CA, so authorize's certificate is refused.
        self.assert_fails_closed("system_roots", {
            "authorize_service_url": "https://" + self.authorize_address,
            "override_certificate_name": AUTHORIZE_NAME,
        }, "a certificate no trusted CA signed must not be accepted",
            "serving TLS (grpc_insecure: false) with a certificate that verifies against the "
            "system trust store for the name %s?" % AUTHORIZE_NAME)

    def test_certificate_for_another_name_fails_closed(self):
        # Trusted CA, but the certificate does not name 127.0.0.1.
        self.assert_fails_closed("wrong_name", {
            "authorize_service_url": "https://" + self.authorize_address,
            "certificate_authority_file": self.pki.ca_cert,
        }, "a certificate for another host must not be accepted",
            "serving TLS (grpc_insecure: false) with a certificate that verifies against "
            "certificate_authority_file for the name 127.0.0.1?")

    def test_plain_text_proxy_against_a_tls_authorize_fails_closed(self):
        proxy = self.assert_fails_closed("plain_text", {
            "authorize_service_url": "http://" + self.authorize_address,
            "certificate_authority_file": self.pki.ca_cert,
        }, "a plain-text client cannot talk to a TLS listener",
            "serving plain text (grpc_insecure: true)?")
        self.assertEqual(proxy.count(r"only apply to an https:// authorize_service_url"), 1)

    def test_proxy_refuses_to_start_with_an_unreadable_ca_file(self):
        path = harness.write_config(os.path.join(self.dir, "bad_ca.yaml"), {
            "shared_secret": self.secret, "address": "127.0.0.1:0",
            "certificate_file": self.pki.cert, "certificate_key_file": self.pki.key,
            "authorize_service_url": "https://" + self.authorize_address,
            "certificate_authority_file": self.pki.key,  # a key, not certificates
            "routes": [self.route]})
        result = subprocess.run([PROXY, "--config", path], capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 2, result.stderr.decode())
        self.assertIn("certificate_authority_file %s: no certificate found" % self.pki.key,
                      result.stderr.decode())

    def test_authorize_refuses_tls_without_a_usable_certificate(self):
        cases = [
            ({"grpc_insecure": False},
             "grpc_insecure is false, so postern-authorize serves TLS and needs a certificate"),
            ({"grpc_insecure": False, "certificate_file": self.authorize_cert,
              "certificate_key_file": self.pki.key},
             "%s: key does not match certificate %s" % (self.pki.key, self.authorize_cert)),
        ]
        for index, (settings, message) in enumerate(cases):
            with self.subTest(message=message):
                config = dict(settings, shared_secret=self.secret, routes=[self.route])
                path = harness.write_config(os.path.join(self.dir, "refused%d.yaml" % index),
                                            config)
                result = subprocess.run([AUTHORIZE, "--config", path, "--grpc-address",
                                         "127.0.0.1:0"], capture_output=True, timeout=60)
                self.assertEqual(result.returncode, 2, result.stderr.decode())
                self.assertIn(message, result.stderr.decode())

    def test_reload_says_a_transport_change_needs_a_restart(self):
        path = harness.write_config(os.path.join(self.dir, "reload.yaml"),
                                    {"shared_secret": self.secret, "routes": [self.route]})
        server = harness.Process("reload", [AUTHORIZE, "--config", path, "--grpc-address",
                                            "127.0.0.1:0"])
        try:
            server.wait_for(r"listening on \S+ \(plain text, 1 routes\)")
            mark = len(server.lines())
            harness.write_config(path, {"shared_secret": self.secret, "routes": [self.route],
                                        "grpc_insecure": False,
                                        "certificate_file": self.authorize_cert,
                                        "certificate_key_file": self.authorize_key})
            server.send_signal(signal.SIGHUP)
            server.wait_for(r"grpc_insecure or the certificates changed; the gRPC listener keeps "
                            r"its transport \(plain text\) until postern-authorize restarts",
                            start=mark)
        finally:
            self.assertEqual(server.stop(), 0, server.output())


if __name__ == "__main__":
    unittest.main()
