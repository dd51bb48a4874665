"""System test of the postern-authorize binary: flags, `eval`, reload and shutdown.

Decisions over gRPC are covered by //authorize:authorize_service_test and by
the proxy's system tests; this file checks what an operator sees from the
command line.
"""

import json
import os
import signal
import subprocess
import unittest

from testing.harness import harness

AUTHORIZE = harness.binary("authorize/postern-authorize")

SEED_ROUTE = {
    "from": "tcp+https://redis.corp.example.com:6379",
    "to": "tcp://redis.internal.example.com:6379",
    "policy": [{"allow": {"or": [
        {"email": {"is": "contractor@not-example.com"}},
        {"groups": {"has": ["datascience@example.com"]}},
    ]}}],
}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class CommandLineTest(unittest.TestCase):
    def run_authorize(self, *args, stdin=""):
        return subprocess.run([AUTHORIZE] + list(args), input=stdin.encode(), capture_output=True,
                              timeout=60)

    def test_help_and_version(self):
        result = self.run_authorize("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"--grpc-address", result.stdout)
        result = self.run_authorize("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.decode(), r"^postern-authorize \d+\.\d+\.\d+\n$")

    def test_bad_usage_exits_2(self):
        for args, message in [
            (["--bogus"], "unknown flag --bogus"),
            ([], "--config FILE is required"),
            (["--config"], "flag --config needs a value"),
            (["serve", "--config", "x"], 'unexpected argument "serve"'),
        ]:
            result = self.run_authorize(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn(message, result.stderr.decode(), args)

    def test_bad_config_names_file_line_and_column(self):
        tmp = harness.tmpdir("badconfig")
        path = write(os.path.join(tmp, "config.yaml"),
                     "shared_secret: %s\nroutes:\n  - from: tcp+https://redis.corp.example.com\n"
                     "    to: tcp://x:1\n" % harness.new_secret())
        result = self.run_authorize("--config", path, "--grpc-address", "127.0.0.1:0")
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr.decode(), r"config\.yaml:3:\d+: routes\[0\]\.from: .*port")

    def test_missing_secret_is_refused_for_the_server(self):
        tmp = harness.tmpdir("nosecret")
        path = harness.write_config(os.path.join(tmp, "config.yaml"), {"routes": [SEED_ROUTE]})
        result = self.run_authorize("--config", path, "--grpc-address", "127.0.0.1:0")
        self.assertEqual(result.returncode, 2)
        self.assertIn("shared_secret", result.stderr.decode())


class EvalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tmp = harness.tmpdir("eval")
        # eval needs only routes: no secret, no certificates.
        cls.config = harness.write_config(os.path.join(tmp, "config.yaml"), {"routes": [
            SEED_ROUTE,
            {"from": "tcp+https://ssh.corp.example.com:22", "to": "tcp://10.0.0.5:22",
             "policy": [{"allow": {"and": [{"source_ip": ["192.0.2.0/24", "2001:db8::/32"]},
                                           {"domain": {"is": "example.com"}}]}}]},
        ]})

    def eval(self, request):
        text = request if isinstance(request, str) else json.dumps(request)
        result = subprocess.run([AUTHORIZE, "eval", "--config", self.config], input=text.encode(),
                                capture_output=True, timeout=60)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    def test_seed_example_allows_contractor_and_group_members(self):
        for session in [{"email": "contractor@not-example.com"},
                        {"user": "u2", "email": "ds@example.com",
                         "groups": ["other", "datascience@example.com"]}]:
            code, out, _ = self.eval({"route": SEED_ROUTE["from"], "session": session})
            self.assertEqual(code, 0, out)
            answer = json.loads(out)
            self.assertEqual(answer["decision"], "allow")
            self.assertTrue(answer["reasons"])

    def test_denies_others_and_asks_for_login_without_session(self):
        code, out, _ = self.eval({"route": SEED_ROUTE["from"],
                                  "session": {"email": "mallory@example.com"}})
        self.assertEqual((code, json.loads(out)["decision"]), (1, "deny"))
        code, out, _ = self.eval({"route": SEED_ROUTE["from"], "session": None})
        self.assertEqual((code, json.loads(out)["decision"]), (1, "unauthenticated"))

    def test_source_ip_and_route_key_form(self):
        request = {"route": "ssh.corp.example.com:22", "session": {"email": "a@example.com"},
                   "source_ip": "2001:db8::7", "time": "2026-11-24T10:00:00Z"}
        code, out, _ = self.eval(request)
        self.assertEqual((code, json.loads(out)["decision"]), (0, "allow"))
        request["source_ip"] = "198.51.100.1"
        code, out, _ = self.eval(request)
        self.assertEqual((code, json.loads(out)["decision"]), (1, "deny"))

    def test_route_host_matches_in_any_case_as_the_proxy_does(self):
        # The proxy lower-cases the CONNECT host before looking the route up,
        # so eval, which tests what the proxy would decide, must too.
        for route in ["REDIS.corp.example.com:6379", "tcp+https://Redis.Corp.Example.COM:6379"]:
            code, out, err = self.eval({"route": route,
                                        "session": {"email": "contractor@not-example.com"}})
            self.assertEqual((code, err), (0, ""), route)
            self.assertEqual(json.loads(out)["decision"], "allow", route)
        # Case is all that is forgiven: a bastion form names another route.
        code, _, err = self.eval({"route": "tcp+https://proxy:8443/redis.corp.example.com:6379"})
        self.assertEqual(code, 2, err)
        self.assertIn("no route", err)

    def test_bad_requests_exit_2_with_precise_errors(self):
        cases = [
            ("{", "request is not valid JSON"),
            ("[]", "request must be a JSON object"),
            ({}, "request.route: required"),
            ({"route": 5}, "request.route: expected a string"),
            ({"route": "tcp+https://nope.example.com:1"}, 'request.route: no route "tcp+https://nope.example.com:1"'),
            ({"route": SEED_ROUTE["from"], "session": {"groups": "x"}},
             "request.session.groups: expected a list of strings"),
            ({"route": SEED_ROUTE["from"], "session": {"groups": ["a", 1]}},
             "request.session.groups[1]: expected a string"),
            ({"route": SEED_ROUTE["from"], "session": {"mail": "x"}},
             "request.session.mail: unknown field"),
            ({"route": SEED_ROUTE["from"], "source_ip": "10.0.0.300"},
             'request.source_ip: "10.0.0.300" is not an IPv4 or IPv6 address'),
            ({"route": SEED_ROUTE["from"], "time": "yesterday"},
             'request.time: "yesterday" is not an RFC 3339 time'),
            ({"route": SEED_ROUTE["from"], "extra": 1}, "request.extra: unknown field"),
            ({"route": SEED_ROUTE["from"], "session": {"claims": {"dept": 3}}},
             "request.session.claims.dept: expected a string or a list of strings"),
        ]
        for request, message in cases:
            code, out, err = self.eval(request)
            self.assertEqual(code, 2, (request, out, err))
            self.assertEqual(out, "", request)
            self.assertIn(message, err, request)

    def test_bad_config_exits_2(self):
        tmp = harness.tmpdir("evalbad")
        path = write(os.path.join(tmp, "bad.yaml"), "routes: [")
        result = subprocess.run([AUTHORIZE, "eval", "--config", path], input=b"{}",
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("bad.yaml", result.stderr.decode())


class ServerTest(unittest.TestCase):
    def test_reload_on_sighup_and_file_change_keeps_old_config_on_error(self):
        tmp = harness.tmpdir("reload")
        secret = harness.new_secret()
        path = os.path.join(tmp, "config.yaml")
        good = {"shared_secret": secret, "routes": [SEED_ROUTE]}
        harness.write_config(path, good)
        server = harness.Process("authorize", [AUTHORIZE, "--config", path, "--grpc-address",
                                               "127.0.0.1:0"])
        try:
            server.wait_for(r"listening on 127\.0\.0\.1:\d+ \(plain text, 1 routes\)")

            write(path, "routes:\n  - from: tcp+https://x.example.com\n    to: tcp://y:1\n")
            mark = len(server.lines())
            server.send_signal(signal.SIGHUP)
            server.wait_for(r"config reload \((SIGHUP|config file changed)\) failed; still serving "
                            r"the previous config: .*config\.yaml:2:\d+: routes\[0\]\.from",
                            start=mark)

            mark = len(server.lines())
            good["routes"].append({"from": "tcp+https://b.example.com:1", "to": "tcp://b:1",
                                   "allow_any_authenticated_user": True})
            harness.write_config(path, good)
            server.wait_for(r"config reloaded \(config file changed\)", start=mark)
            self.assertEqual(server.proc.poll(), None)
        finally:
            status = server.stop(signal.SIGTERM)
        self.assertEqual(status, 0, server.output())
        self.assertIn("shutting down (SIGTERM)", server.output())

    def test_address_in_use_exits_1(self):
        tmp = harness.tmpdir("inuse")
        path = harness.write_config(os.path.join(tmp, "config.yaml"),
                                    {"shared_secret": harness.new_secret(), "routes": []})
        first = harness.Process("authorize", [AUTHORIZE, "--config", path, "--grpc-address",
                                              "127.0.0.1:0"])
        try:
            address = first.wait_for(r"listening on (\S+)").group(1)
            result = subprocess.run([AUTHORIZE, "--config", path, "--grpc-address", address],
                                    capture_output=True, timeout=60)
            self.assertEqual(result.returncode, 1)
            self.assertIn("cannot listen on " + address, result.stderr.decode())
        finally:
            first.stop()


if __name__ == "__main__":
    unittest.main()
