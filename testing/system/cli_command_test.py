"""System test of the postern binary's command line: usage, exit statuses, listener, cache.

What a user sees before any tunnel is dialled; tunnels through the real proxy
are in cli_tcp_test.py.
"""

import os
import signal
import socket
import subprocess
import unittest

from testing.harness import harness

POSTERN = harness.binary("cli/postern")


def env_with(**values):
    env = dict(os.environ)
    env.pop("XDG_CACHE_HOME", None)
    env["HOME"] = harness.tmpdir("home")
    env.update(values)
    return env


def run(*args, env=None):
    return subprocess.run([POSTERN] + list(args), capture_output=True, timeout=60,
                          env=env or env_with(XDG_CACHE_HOME=harness.tmpdir("cache")))


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


class UsageTest(unittest.TestCase):
    def test_help_and_version(self):
        for args in (["--help"], ["tcp", "--help"]):
            result = run(*args)
            self.assertEqual(result.returncode, 0, args)
            self.assertIn(b"postern tcp", result.stdout)
        help_text = run("tcp", "--help").stdout.decode()
        for flag in ["--listen", "--proxy-url, --pomerium-url", "--ca-cert-file, --alternate-ca-path",
                     "--disable-tls-verification", "--service-account", "--service-account-file",
                     "--browser-cmd", "--no-browser", "--log-level"]:
            self.assertIn(flag, help_text)
        version = run("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.decode(), r"^postern \d+\.\d+\.\d+\n$")

    def test_bad_usage_exits_2_with_one_line_saying_what_is_wrong(self):
        for args, message in [
            ([], "usage: postern tcp"),
            (["connect"], 'unknown command "connect"'),
            (["tcp"], "DEST required"),
            (["tcp", "--bogus", "db:1"], "unknown flag --bogus"),
            (["tcp", "db"], 'DEST "db": port required'),
            (["tcp", "http://db:1"], 'unsupported scheme "http"'),
            (["tcp", "[fd00::1:22"], "IPv6 address lacks its closing ']'"),
            (["tcp", "--listen", "127.0.0.1:99999", "db:1"], "port must be 0..65535"),
            (["tcp", "--listen", "db.example.com:1", "db:1"], "an IP address or localhost"),
            (["tcp", "--proxy-url", "proxy.example.com", "db:1"], "expected https://host[:port]"),
            (["tcp", "--pomerium-url", "http://proxy", "db:1"], "use https://, not http://"),
            (["tcp", "--log-level", "verbose", "db:1"], '--log-level "verbose"'),
            (["tcp", "--service-account", "x.y.z", "--service-account-file", "f", "db:1"],
             "choose one"),
            (["tcp", "--service-account-file", "/nonexistent/sa.jwt", "db:1"],
             "--service-account-file /nonexistent/sa.jwt: No such file or directory"),
            (["tcp", "--service-account", "a b", "db:1"], "not a session token"),
            (["tcp", "--alternate-ca-path", "/nonexistent/ca.pem", "db:1"], "/nonexistent/ca.pem"),
            (["cache"], "expected location or clear"),
            (["cache", "purge"], 'unknown subcommand "purge"'),
        ]:
            result = run(*args)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn(message, result.stderr.decode(), args)
            self.assertEqual(result.stdout, b"", args)
            if args and args[0] == "tcp":
                self.assertEqual(len(result.stderr.decode().strip().splitlines()), 1, args)

    def test_a_ca_file_without_certificates_is_refused(self):
        path = os.path.join(harness.tmpdir("badca"), "ca.pem")
        with open(path, "w") as f:
            f.write("not a certificate\n")
        result = run("tcp", "--ca-cert-file", path, "db:1")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--ca-cert-file " + path, result.stderr.decode())

    def test_a_missing_ca_file_names_the_flag_and_the_file(self):
        path = os.path.join(harness.tmpdir("noca"), "missing.pem")
        result = run("tcp", "--ca-cert-file", path, "db:1")
        self.assertEqual(result.returncode, 2)
        self.assertIn("postern: --ca-cert-file %s: No such file" % path, result.stderr.decode())


class ListenerTest(unittest.TestCase):
    def start(self, *args):
        process = harness.Process("postern", [POSTERN, "tcp", "--proxy-url",
                                              "https://localhost:1"] + list(args) + ["db:5432"],
                                  env=env_with(XDG_CACHE_HOME=harness.tmpdir("cache")))
        self.addCleanup(process.kill)
        return process

    def test_default_listens_on_loopback_with_a_random_port(self):
        process = self.start()
        port = int(process.wait_for(r"listening on 127\.0\.0\.1:(\d+)$").group(1))
        self.assertNotEqual(port, 0)
        socket.create_connection(("127.0.0.1", port), timeout=10).close()
        self.assertEqual(process.stop(signal.SIGTERM), 0)

    def test_ipv6_listen_address(self):
        if not ipv6_loopback_available():
            self.skipTest("no IPv6 loopback on this machine")
        process = self.start("--listen", "[::1]:0")
        port = int(process.wait_for(r"listening on \[::1\]:(\d+)$").group(1))
        socket.create_connection(("::1", port), timeout=10).close()
        self.assertEqual(process.stop(signal.SIGINT), 0)

    def test_port_announced_even_when_quiet(self):
        process = self.start("--log-level", "error")
        process.wait_for(r"^listening on 127\.0\.0\.1:\d+$")
        self.assertEqual(process.stop(signal.SIGTERM), 0)

    def test_port_in_use_exits_1(self):
        with socket.create_server(("127.0.0.1", 0)) as taken:
            port = taken.getsockname()[1]
            result = run("tcp", "--listen", "127.0.0.1:%d" % port, "db:5432")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.decode(),
                         "postern: cannot listen on 127.0.0.1:%d: Address already in use\n" % port)


class CacheTest(unittest.TestCase):
    def test_location_follows_xdg_cache_home_then_home(self):
        xdg = harness.tmpdir("xdg")
        result = run("cache", "location", env=env_with(XDG_CACHE_HOME=xdg))
        self.assertEqual((result.returncode, result.stdout.decode()),
                         (0, os.path.join(xdg, "postern") + "\n"))
        env = env_with()
        result = run("cache", "location", env=env)
        self.assertEqual(result.stdout.decode(), os.path.join(env["HOME"], ".cache", "postern") + "\n")

    def test_clear_removes_token_files_only(self):
        xdg = harness.tmpdir("clear")
        directory = os.path.join(xdg, "postern")
        os.makedirs(os.path.join(directory, "bazel-disk-cache"), exist_ok=True)
        for name in ["proxy.example.com%3A443.jwt", "%5B%3A%3A1%5D%3A8443.jwt"]:
            with open(os.path.join(directory, name), "w") as f:
                f.write("x\n")
        with open(os.path.join(directory, "bazel-disk-cache", "keep.jwt"), "w") as f:
            f.write("keep\n")
        result = run("cache", "clear", env=env_with(XDG_CACHE_HOME=xdg))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.decode(),
                         "removed 2 cached session tokens from %s\n" % directory)
        self.assertEqual(sorted(os.listdir(directory)), ["bazel-disk-cache"])
        self.assertTrue(os.path.exists(os.path.join(directory, "bazel-disk-cache", "keep.jwt")))
        again = run("cache", "clear", env=env_with(XDG_CACHE_HOME=harness.tmpdir("never")))
        self.assertEqual(again.returncode, 0)
        self.assertIn("removed 0 cached session tokens", again.stdout.decode())


if __name__ == "__main__":
    unittest.main()
