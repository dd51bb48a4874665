"""deploy/systemd units pass `systemd-analyze verify` with the real binaries in place."""

import os
import re
import subprocess
import unittest

from testing.harness import harness

UNITS = {
    "postern-authorize.service": ("/usr/local/bin/postern-authorize", "authorize/postern-authorize"),
    "postern-proxy.service": ("/usr/local/bin/postern-proxy", "proxy/postern-proxy"),
}


def unit_path(name):
    return os.path.join(os.environ["TEST_SRCDIR"], "postern", "deploy", "systemd", name)


def verify(directory):
    return subprocess.run(["systemd-analyze", "verify"] +
                          [os.path.join(directory, n) for n in sorted(os.listdir(directory))],
                          capture_output=True, text=True, timeout=60)


class SystemdUnitsTest(unittest.TestCase):
    def install(self, name, mutate=lambda text: text):
        directory = harness.tmpdir(name)
        for unit, (installed, built) in UNITS.items():
            with open(unit_path(unit)) as f:
                text = f.read()
            self.assertIn("ExecStart=" + installed, text)
            text = text.replace(installed, harness.binary(built))
            with open(os.path.join(directory, unit), "w") as f:
                f.write(mutate(text))
        return directory

    def test_units_verify(self):
        result = verify(self.install("units"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.strip(), "")

    def test_verify_catches_a_broken_unit(self):
        # Guards the test above against a verifier that accepts anything.
        directory = self.install("broken", lambda t: re.sub(r"ExecStart=\S+", "ExecStart=relative",
                                                            t))
        self.assertNotEqual(verify(directory).returncode, 0)

    def test_proxy_stops_after_its_drain_timeout(self):
        with open(unit_path("postern-proxy.service")) as f:
            text = f.read()
        stop = int(re.search(r"TimeoutStopSec=(\d+)", text).group(1))
        self.assertGreater(stop, 30, "TimeoutStopSec must exceed the default 30s drain")


if __name__ == "__main__":
    unittest.main()
