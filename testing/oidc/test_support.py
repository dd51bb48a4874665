"""Child processes and a throwaway CA for the OIDC and browser tests.

A trimmed stand-in for testing/harness (whose module does not import yet: its
Process.signal method shadows the signal module in the class body); switch to
harness.Process and harness.Pki once that is fixed.

    child = Child("fake-oidc", ["/usr/bin/python3", script])
    url = child.wait_for(r"listening on (\\S+)").group(1)
    ca, cert, key = make_pki(tmpdir("pki"), ["127.0.0.1", "localhost"])
"""

import os
import re
import signal
import subprocess
import threading
import time


def tmpdir(name):
    """A fresh directory under TEST_TMPDIR (or /tmp outside Bazel)."""
    path = os.path.join(os.environ.get("TEST_TMPDIR", "/tmp"), name)
    os.makedirs(path, exist_ok=True)
    return path


class Child:
    """A child process in its own session whose stderr lines are collected as they arrive."""

    def __init__(self, name, args, env=None):
        self.name = name
        self._lines = []
        self._cond = threading.Condition()
        self._closed = False
        self.proc = subprocess.Popen([str(a) for a in args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            with self._cond:
                self._lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        self.proc.stderr.close()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def lines(self):
        with self._cond:
            return list(self._lines)

    def output(self):
        return "\n".join(self.lines())

    def wait_for(self, pattern, timeout=20):
        """Waits for a stderr line matching pattern; returns the match. Raises on timeout or exit."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        index = 0
        with self._cond:
            while True:
                for index in range(index, len(self._lines)):
                    match = regex.search(self._lines[index])
                    if match:
                        return match
                index = len(self._lines)
                if self._closed:
                    raise AssertionError("%s exited (%s) before logging %r; stderr:\n%s" %
                                         (self.name, self.proc.wait(), pattern, self.output()))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("%s did not log %r within %ss; stderr:\n%s" %
                                         (self.name, pattern, timeout, self.output()))
                self._cond.wait(remaining)

    def stop(self, timeout=20):
        """SIGTERM, then the exit status (SIGKILL after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            status = self.proc.wait()
        self._reader.join(5)
        return status

    def kill(self):
        """Kills the child's whole process group (a launcher's children too)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._reader.join(5)


def make_pki(directory, names):
    """A CA and a server certificate for names (DNS names or IPs); returns (ca, cert, key) paths."""
    ca, ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca-key.pem")
    cert, key = os.path.join(directory, "server.pem"), os.path.join(directory, "server-key.pem")
    csr, ext = os.path.join(directory, "server.csr"), os.path.join(directory, "server.ext")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Postern OIDC Test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    sans = ",".join(("IP:" if re.match(r"^[0-9.]+$|:", n) else "DNS:") + n for n in names)
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % sans)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", "/CN=" + names[0])
    _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
             "-out", cert, "-days", "2", "-extfile", ext)
    return ca, cert, key


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
