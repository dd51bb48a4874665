"""tools/demo, run as a user would, non-interactively: it starts redis-server,
the DEMO OpenID provider, postern-authorize and postern-proxy; the `postern tcp`
command it prints (with the scripted browser, as its instructions say) carries
real redis-cli SET/GET; Ctrl-C (SIGINT) stops everything it started.

The demo runs from the runfiles tree, where the provider and the scripted
browser sit at the repository paths it expects; --bin-dir points it at the
built binaries, so it neither runs tools/setup nor builds.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import unittest

from testing.harness import harness

DEMO = harness.binary("tools/demo")
BINARIES = {
    "postern-proxy": harness.binary("proxy/postern-proxy"),
    "postern-authorize": harness.binary("authorize/postern-authorize"),
    "postern": harness.binary("cli/postern"),
}


def descendants(root):
    """{pid: cmdline} of every process below `root`."""
    parents, cmdlines = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        parents[int(name)] = int(stat.rsplit(")", 1)[1].split()[1])
        cmdlines[int(name)] = cmdline
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = cmdlines[pid]
                frontier.append(pid)
    return found


def alive_as(pid, cmdline):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            now = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return now == cmdline and state != "Z"


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return True
    except OSError:
        return False


class DemoTest(unittest.TestCase):
    def test_demo_serves_redis_behind_a_browser_login_and_stops_on_ctrl_c(self):
        tmp = harness.tmpdir("demo")
        bin_dir = os.path.join(tmp, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        for name, target in BINARIES.items():
            link = os.path.join(bin_dir, name)
            if not os.path.lexists(link):
                os.symlink(target, link)
        state = os.path.join(tmp, "state")
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"),
                   POSTERN_TEST_BROWSER_LOG=os.path.join(tmp, "browser.log"))
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        # The demo prints its instructions on stdout; the harness reads stderr.
        demo = harness.Process("demo", ["bash", "-c", 'exec "$0" "$@" 1>&2', DEMO,
                                        "--bin-dir", bin_dir, "--state-dir", state], env=env)
        self.addCleanup(demo.kill)
        demo.wait_for(r"^Postern is running", timeout=60)
        demo.wait_for(r"Ctrl-C stops everything")
        text = demo.output()
        ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", text.split("Postern is running")[1]
                                             .split("In another terminal")[0])]
        self.assertEqual(len(ports), 4, text)  # proxy, authorize, redis, provider

        # The instructions' scripted-browser command, backslash continuations joined.
        block = re.search(r"^\s*(POSTERN_TEST_BROWSER_CA=.*?[^\\])$", text.replace("\\\n", " "),
                          re.M | re.S)
        self.assertIsNotNone(block, text)
        words = shlex.split(block.group(1).splitlines()[0])
        cli_env = dict(env)
        while "=" in words[0]:
            name, value = words.pop(0).split("=", 1)
            cli_env[name] = value
        self.assertEqual(os.path.basename(words[0]), "postern")
        self.assertIn("--browser-cmd", words)
        self.assertEqual(cli_env["POSTERN_TEST_BROWSER_CA"], os.path.join(state, "ca.pem"))

        cli = harness.Process("postern", words, env=cli_env)
        self.addCleanup(cli.kill)
        port = int(cli.wait_for(r"listening on 127\.0\.0\.1:(\d+)").group(1))

        def redis(*command):
            result = subprocess.run(["redis-cli", "-p", str(port)] + list(command),
                                    capture_output=True, timeout=120)
            return result.stdout.decode() + result.stderr.decode()

        self.assertEqual(redis("SET", "demo", "works"), "OK\n", cli.output())
        self.assertEqual(redis("GET", "demo"), "works\n")
        cli.wait_for(r"signed in to proxy")
        self.assertEqual(cli.stop(), 0)

        children = descendants(demo.proc.pid)
        self.assertGreaterEqual(len(children), 4, children)
        self.assertEqual(demo.stop(signal.SIGINT), 0, demo.output())
        self.assertIn("stopped everything it started", demo.output())
        left = {pid: cmd for pid, cmd in children.items() if alive_as(pid, cmd)}
        self.assertEqual(left, {})
        for pid, cmd in descendants(1).items():
            self.assertNotIn(state, cmd, "left running: %d %s" % (pid, cmd))
        for p in ports:
            self.assertFalse(accepts(p), "port %d still open" % p)


if __name__ == "__main__":
    unittest.main()
