"""A fake Redis upstream: enough RESP (PING, SET, GET, DEL, KEYS, ECHO, QUIT) for tunnel tests.

It is a fake for speed and fault injection; tests that matter to users also run
against Debian's real redis-server. Runs in a thread on 127.0.0.1, port 0.

    with FakeRedis() as redis:
        connect to ("127.0.0.1", redis.port)
"""

import fnmatch
import socket
import threading

from testing.harness.harness import LoopbackServer, recv_until


class FakeRedis(LoopbackServer):
    def __init__(self, host="127.0.0.1"):
        self._data = {}
        super().__init__(host)

    def serve(self, conn):
        reader = conn.makefile("rb")
        try:
            while True:
                command = _read_command(reader)
                if command is None:
                    return
                reply, done = self._execute(command)
                conn.sendall(reply)
                if done:
                    return
        except (OSError, ValueError):
            return
        finally:
            conn.close()

    def _execute(self, command):
        name = command[0].upper() if command else b""
        args = command[1:]
        with self._lock:
            if name == b"PING":
                return (b"+PONG\r\n" if not args else _bulk(args[0])), False
            if name == b"ECHO" and len(args) == 1:
                return _bulk(args[0]), False
            if name == b"SET" and len(args) == 2:
                self._data[args[0]] = args[1]
                return b"+OK\r\n", False
            if name == b"GET" and len(args) == 1:
                value = self._data.get(args[0])
                return (b"$-1\r\n" if value is None else _bulk(value)), False
            if name == b"DEL":
                removed = sum(1 for k in args if self._data.pop(k, None) is not None)
                return b":%d\r\n" % removed, False
            if name == b"KEYS" and len(args) == 1:
                pattern = args[0].decode("latin-1")
                keys = [k for k in self._data if fnmatch.fnmatchcase(k.decode("latin-1"), pattern)]
                return b"*%d\r\n" % len(keys) + b"".join(_bulk(k) for k in sorted(keys)), False
            if name == b"QUIT":
                return b"+OK\r\n", True
        return b"-ERR unknown command\r\n", False


def _bulk(value):
    return b"$%d\r\n%s\r\n" % (len(value), value)


def _read_command(reader):
    """Reads one RESP array of bulk strings (or an inline command); None at EOF."""
    line = reader.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.strip().split()
    count = int(line[1:].strip())
    parts = []
    for _ in range(count):
        header = reader.readline()
        if not header.startswith(b"$"):
            raise ValueError("expected bulk string")
        length = int(header[1:].strip())
        parts.append(reader.read(length + 2)[:length])
    return parts


def resp_command(*args):
    """Encodes a command as a RESP array, as redis-cli sends it."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += _bulk(a)
    return out


def redis_ping(sock, leftover=b""):
    """Sends PING over `sock` (a tunnel to a Redis) and returns the reply line, b"+PONG\\r\\n"."""
    sock.sendall(resp_command("PING"))
    return recv_until(sock, b"\r\n", leftover)
