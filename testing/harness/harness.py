"""Helpers for Postern's system tests: real binaries, real certificates, real sockets.

A system test starts the built binaries (found in the test's runfiles), waits
for the line each one logs when it is ready, and talks to them through real
clients. Nothing here sleeps to synchronise: readiness is a log line, and every
wait has a deadline.

    pki = harness.Pki(tmp, ["proxy.localhost.example"])
    authorize = harness.Process("authorize", [harness.binary("authorize/postern-authorize"),
                                              "--config", cfg, "--grpc-address", "127.0.0.1:0"])
    address = authorize.wait_for(r"listening on (\\S+)").group(1)

or both servers from one config: `postern = harness.Postern(tmp, settings)`.
"""

import base64
import functools
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time


def tmpdir(name):
    """Returns a fresh directory under TEST_TMPDIR (or /tmp outside Bazel)."""
    root = os.environ.get("TEST_TMPDIR", "/tmp")
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    return path


def binary(path):
    """Absolute path of a binary built by Bazel, e.g. binary("proxy/postern-proxy")."""
    srcdir = os.environ.get("TEST_SRCDIR")
    if srcdir:
        candidate = os.path.join(srcdir, "postern", path)
        if os.path.exists(candidate):
            return candidate
    workspace = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(workspace, "bazel-bin", path)


def new_secret():
    """A fresh shared secret: base64 of 32 random bytes, as the config wants it."""
    return base64.b64encode(os.urandom(32)).decode()


def write_config(path, config):
    """Writes `config` (a dict) as a config file. JSON is valid YAML."""
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    return path


class Process:
    """A child process whose stderr lines are collected as they arrive."""

    def __init__(self, name, args, env=None, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
        self.name = name
        self.args = [str(a) for a in args]
        self._lines = []
        self._cond = threading.Condition()
        self._closed = False
        self.proc = subprocess.Popen(self.args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                                     env=env, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def lines(self):
        with self._cond:
            return list(self._lines)

    def output(self):
        return "\n".join(self.lines())

    def wait_for(self, pattern, timeout=20, start=0):
        """Waits for a stderr line matching `pattern`; returns the match. Raises on timeout or exit."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            index = start
            while True:
                while index < len(self._lines):
                    match = regex.search(self._lines[index])
                    if match:
                        return match
                    index += 1
                if self._closed:
                    raise AssertionError("%s exited (%s) before logging %r; stderr:\n%s" %
                                         (self.name, self.proc.wait(), pattern, "\n".join(self._lines)))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("%s did not log %r within %ss; stderr:\n%s" %
                                         (self.name, pattern, timeout, "\n".join(self._lines)))
                self._cond.wait(remaining)

    def wait_for_count(self, pattern, count, timeout=20, start=0):
        """Waits until `count` stderr lines from index `start` on match `pattern`."""
        deadline = time.monotonic() + timeout
        for _ in range(count):
            match = self.wait_for(pattern, max(0.0, deadline - time.monotonic()), start)
            start = self.lines().index(match.string, start) + 1

    def count(self, pattern):
        regex = re.compile(pattern)
        return sum(1 for line in self.lines() if regex.search(line))

    def send_signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and waits for exit; returns the exit status. Kills after `timeout`."""
        self.send_signal(sig)
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            status = self.proc.wait()
        self._close_pipes()
        return status

    def kill(self):
        """Kills the child's whole process group: a launcher's children too."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._close_pipes()

    def _close_pipes(self):
        """Closes our ends of the exited child's pipes (stderr once it is read to the end)."""
        self._reader.join(5)
        pipes = [self.proc.stdin, self.proc.stdout]
        if not self._reader.is_alive():
            pipes.append(self.proc.stderr)
        for pipe in pipes:
            if pipe is None:
                continue
            try:
                pipe.close()
            except OSError:  # unflushed input for a child that is gone
                pass


class Postern:
    """postern-authorize and postern-proxy started from one config file in `directory`.

    `settings` is the config without the two addresses that are only known at
    run time: authorize listens on a free port first, then the file gains its
    URL (and the proxy's `address`, 127.0.0.1:0 unless given) and the proxy
    starts. `address` is where the proxy listens."""

    def __init__(self, directory, settings):
        self.config = os.path.join(directory, "postern.yaml")
        self.settings = dict(settings)
        write_config(self.config, self.settings)
        self.authorize = Process("authorize", [binary("authorize/postern-authorize"), "--config",
                                               self.config, "--grpc-address", "127.0.0.1:0"])
        authorize_address = self.authorize.wait_for(r"listening on (\S+)").group(1)
        self.settings.setdefault("address", "127.0.0.1:0")
        self.settings["authorize_service_url"] = "http://" + authorize_address
        write_config(self.config, self.settings)
        self.proxy = Process("proxy", [binary("proxy/postern-proxy"), "--config", self.config])
        self.address = self.proxy.wait_for(r"INFO listening on (\S+)").group(1)

    def service_account(self, email, *flags):
        """A session token for `email` minted by `postern-proxy service-account`."""
        result = subprocess.run([binary("proxy/postern-proxy"), "service-account", "--config",
                                 self.config, "--email", email] + list(flags),
                                capture_output=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError("service-account failed: %s" % result.stderr.decode())
        return result.stdout.decode().strip()

    def stop(self):
        """Stops both gracefully (SIGTERM), the proxy first."""
        for process in (self.proxy, self.authorize):
            process.stop()

    def kill(self):
        for process in (self.proxy, self.authorize):
            process.kill()


class Pki:
    """A throwaway CA and server certificates made with the openssl CLI."""

    def __init__(self, directory, names, ca_name="Postern Test CA"):
        self.dir = directory
        self.ca_cert = os.path.join(directory, "ca.pem")
        self.ca_key = os.path.join(directory, "ca-key.pem")
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", self.ca_key, "-out", self.ca_cert, "-days", "2", "-subj", "/CN=" + ca_name,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.cert, self.key = self.issue("server", names)

    def issue(self, stem, names):
        """Issues a server certificate for `names` (DNS names or IP addresses)."""
        key = os.path.join(self.dir, stem + "-key.pem")
        csr = os.path.join(self.dir, stem + ".csr")
        cert = os.path.join(self.dir, stem + ".pem")
        ext = os.path.join(self.dir, stem + ".ext")
        sans = ",".join(("IP:" if _is_ip(n) else "DNS:") + n for n in names)
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\n" % sans)
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", key, "-out", csr, "-subj", "/CN=" + names[0])
        _openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                 "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        return cert, key


def _is_ip(name):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, name)
            return True
        except OSError:
            pass
    return False


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def split_address(address):
    """"127.0.0.1:8443" or "[::1]:8443" -> (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class ConnectResult:
    def __init__(self, status, headers, body, sock, leftover):
        self.status = status
        self.headers = headers
        self.body = body
        self.sock = sock
        self.leftover = leftover


def tls_connect(proxy_address, ca_file, server_name="proxy.localhost.example", timeout=20,
                session=None):
    """A TLS connection to the proxy, verified against `ca_file`, ALPN http/1.1;
    offering `session` (the `session` of an earlier one) to resume, if given."""
    raw = socket.create_connection(split_address(proxy_address), timeout=timeout)
    return client_context(ca_file).wrap_socket(raw, server_hostname=server_name, session=session)


@functools.lru_cache(maxsize=None)
def client_context(ca_file):
    """One client context per CA file: Python resumes a session only in the
    context that made it."""
    context = ssl.create_default_context(cafile=ca_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


def connect_tunnel(proxy_address, ca_file, authority, token=None, header="Authorization: Pomerium",
                   server_name="proxy.localhost.example", extra=b"", timeout=20, session=None):
    """Sends one CONNECT through TLS and reads the response head (and any body).

    Returns a ConnectResult; on 200 `sock` is the open tunnel and `leftover`
    holds any tunnel bytes that arrived with the response head.
    """
    sock = tls_connect(proxy_address, ca_file, server_name, timeout, session)
    request = "CONNECT %s HTTP/1.1\r\nHost: %s\r\n" % (authority, authority)
    if token is not None:
        request += "%s %s\r\n" % (header, token)
    request += "\r\n"
    sock.sendall(request.encode() + extra)
    return read_response(sock)


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a complete response head: %r" % data)
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if status != 200:
        length = int(headers.get("content-length", "0"))
        body = rest
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        rest = b""
    return ConnectResult(status, headers, body.decode("utf-8", "replace"), sock, rest)


def recv_exactly(sock, count, initial=b""):
    data = bytearray(initial)
    while len(data) < count:
        chunk = sock.recv(min(1 << 20, count - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def recv_until(sock, marker, initial=b""):
    """Reads until `marker` has arrived (or the peer closed); returns everything read."""
    data = bytearray(initial)
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def free_port(host="127.0.0.1"):
    """A port nobody listens on at the moment of asking, for servers that cannot take port 0.

    Only for programs (haproxy, sshd, redis-server) that bind the port named
    in their config and cannot report one they picked. Another process may
    take the port before the server starts: that fails the server's start
    loudly, never gives a wrong result.
    """
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def access_lines(process):
    """The JSON access-log lines a proxy Process has written so far, parsed."""
    return [json.loads(line) for line in process.lines()
            if line.startswith("{") and '"log":"access"' in line]


def access_line(process, client, timeout=20, start=0):
    """The access-log line of the connection from `client` ("ip:port"), once written.

    Only lines from index `start` of the process's output count: the kernel
    reuses client ports, so an earlier connection's line may carry the same
    client; pass len(process.lines()) taken before the connection opened."""
    match = process.wait_for(r'"log":"access","client":"%s"' % re.escape(client),
                             timeout=timeout, start=start)
    return json.loads(match.string)


class LoopbackServer:
    """A TCP server on a free port of `host` running the subclass's `serve(conn)` on a thread
    per connection; `connections` counts the connections accepted."""

    def __init__(self, host="127.0.0.1"):
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self.address = "%s:%d" % (host, self.port)
        self._lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self._listener.close()


class EchoServer(LoopbackServer):
    """A loopback upstream echoing every byte back; after the client's FIN it half-closes too."""

    def serve(self, conn):
        with conn:
            while True:
                data = conn.recv(1 << 20)
                if not data:
                    break
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
