#!/usr/bin/env python3
"""Load run of postern-authorize's Check: the real server, a second process calling it.

    bench/authorize/run_check_load.py                       # 8, 32, 128 in flight, 10 s each
    bench/authorize/run_check_load.py --concurrency 32 --duration 5s --markdown

Builds the server and the tools optimized (`bazel build -c opt`), writes a
config of 1,000 routes each with a multi-rule policy (the shape
policy_benchmark uses: an `or` of five emails, a group and three source
ranges, and a `deny` with `not`), mints a session for a member of `sre`
(allowed by the group rule, so every call verifies the service token and the
session token, evaluates a policy and writes a decision log line), starts
postern-authorize on 127.0.0.1:0 with its stderr -- including one JSON
decision line per call -- going to a file, runs check_load once per
concurrency level (8, 16, 32, 128), prints a table and stops the server.

Client and server share the machine's cores; the table shows each one's CPU
use so that the reader can tell who was the bottleneck. Only loopback
addresses are used, and every run is bounded in time.
"""

import argparse
import base64
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTES = 1000
SESSION_EMAIL = "oncall@example.com"
SESSION_GROUPS = "eng,sre"


def route_yaml(r):
    emails = "".join(
        f"            - email: {{is: user{r}-{i}@example.com}}\n" for i in range(5))
    return (
        f"  - from: tcp+https://svc-{r}.corp.example.com:5432\n"
        f"    to: tcp://127.0.0.1:5432\n"
        f"    policy:\n"
        f"      - allow:\n"
        f"          or:\n"
        f"{emails}"
        f"            - groups: {{has: [team-{r % 50}, sre]}}\n"
        f"            - source_ip: [10.{r % 256}.0.0/16, 192.168.{r % 256}.0/24,"
        f" \"2001:db8:{r}::/48\"]\n"
        f"      - deny:\n"
        f"          not:\n"
        f"            - domain: {{in: [example.com, not-example.com]}}\n")


def write_inputs(workdir, secret_b64):
    paths = {name: os.path.join(workdir, name)
             for name in ("secret.b64", "config.yaml", "routes.txt")}
    with open(paths["secret.b64"], "w") as f:
        f.write(secret_b64 + "\n")
    with open(paths["config.yaml"], "w") as f:
        f.write(f"shared_secret: {secret_b64}\nlog_level: info\nroutes:\n")
        for r in range(ROUTES):
            f.write(route_yaml(r))
    with open(paths["routes.txt"], "w") as f:
        for r in range(ROUTES):
            f.write(f"svc-{r}.corp.example.com:5432\n")
    return paths


BIN_DIR = None  # the optimized build's output directory, set by main()


def bazel_bin(target_path):
    # Not the bazel-bin symlink: it follows whichever configuration was built
    # last (an asan or debug build would be benchmarked by mistake).
    return os.path.join(BIN_DIR, target_path)


def cpu_seconds(pid):
    """utime + stime of a process from /proc, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_queue_wait_seconds(pid):
    """Time the process's threads spent runnable but waiting for a CPU, from schedstat."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def machine_busy_seconds():
    """CPU time all processes spent busy so far, summed over cores, from /proc/stat."""
    with open("/proc/stat") as f:
        ticks = [int(t) for t in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_server(config, stderr_path):
    stderr = open(stderr_path, "wb")
    server = subprocess.Popen(
        [bazel_bin("authorize/postern-authorize"), "--config", config,
         "--grpc-address", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
    stderr.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"postern-authorize exited with {server.returncode}; see {stderr_path}")
        with open(stderr_path, "rb") as f:
            match = re.search(rb"listening on (127\.0\.0\.1:\d+) \([^,]+, (\d+) routes\)", f.read())
        if match:
            return server, match.group(1).decode(), int(match.group(2))
        time.sleep(0.05)
    server.kill()
    sys.exit(f"postern-authorize did not report its address within 60 s; see {stderr_path}")


def run_load(args, paths, token_path, address, server_pid, concurrency):
    command = [bazel_bin("bench/authorize/check_load"), "--target", address,
               "--secret-file", paths["secret.b64"], "--routes-file", paths["routes.txt"],
               "--token-file", token_path, "--concurrency", str(concurrency),
               "--channels", str(args.channels), "--duration", args.duration,
               "--warmup", args.warmup]
    server_cpu_before = cpu_seconds(server_pid)
    client_cpu_before = children_cpu_seconds()
    busy_before = machine_busy_seconds()
    wait_before = run_queue_wait_seconds(server_pid)
    started = time.monotonic()
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=15 * 60)
    elapsed = time.monotonic() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu_before
    client_cpu = children_cpu_seconds() - client_cpu_before
    busy = machine_busy_seconds() - busy_before
    server_wait = run_queue_wait_seconds(server_pid) - wait_before
    if done.returncode != 0:
        sys.exit(f"check_load failed ({done.returncode}):\n{done.stdout}")
    lines = done.stdout.strip().splitlines()
    print(lines[0], flush=True)
    result = json.loads(lines[-1])
    # CPU use in % of one core over the whole check_load process (connect,
    # warmup, run, drain), the same window for all three: the client, the
    # server, and everything else on the machine (other builds, the kernel's
    # work not charged to either).
    result["client_cpu_percent"] = 100 * client_cpu / elapsed
    result["server_cpu_percent"] = 100 * server_cpu / elapsed
    result["other_cpu_percent"] = max(0.0, 100 * (busy - client_cpu - server_cpu) / elapsed)
    # How long the server's threads were ready to run but had no CPU: what
    # sharing the cores (with the client, and with anything else) cost it.
    result["server_wait_percent"] = 100 * server_wait / elapsed
    return result


def print_table(results, markdown):
    header = ["in flight", "calls/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors",
              "client CPU", "server CPU", "other CPU", "server waiting for CPU",
              "server µs CPU/call"]
    rows = [[str(r["concurrency"]), f"{r['calls_per_s']:,.0f}", f"{r['p50_us'] / 1000:.2f}",
             f"{r['p90_us'] / 1000:.2f}", f"{r['p99_us'] / 1000:.2f}",
             f"{r['max_us'] / 1000:.2f}", str(r["errors"]),
             f"{r['client_cpu_percent']:.0f}%", f"{r['server_cpu_percent']:.0f}%",
             f"{r['other_cpu_percent']:.0f}%", f"{r['server_wait_percent']:.0f}%",
             f"{r['server_cpu_percent'] * 1e4 / max(r['calls_per_s'], 1):.1f}"]
            for r in results]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---:" for _ in header) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    for row in [header] + rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default="8,16,32,128",
                        help="comma-separated calls-in-flight levels (default 8,16,32,128)")
    parser.add_argument("--channels", type=int, default=2,
                        help="client HTTP/2 connections (default 2)")
    parser.add_argument("--duration", default="10s", help="measured time per level (10s)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per level; the table keeps the one with the median calls/s "
                        "(use 3 or more on a busy machine)")
    parser.add_argument("--warmup", default="1s", help="unmeasured time per level first (1s)")
    parser.add_argument("--server-log", help="where the server's stderr goes "
                        "(default: server.log in the work dir; /dev/null to measure without)")
    parser.add_argument("--workdir", help="keep inputs and logs here (default: a temp dir, removed)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]

    if not args.no_build:
        subprocess.run(["bazel", "build", "-c", "opt", "--jobs=2",
                        "//authorize:postern-authorize", "//bench/authorize:check_load",
                        "//bench/authorize:mint_session"], cwd=ROOT, check=True)

    global BIN_DIR
    BIN_DIR = subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=ROOT, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout.strip()
    temp = None if args.workdir else tempfile.TemporaryDirectory(prefix="check_load.")
    workdir = args.workdir or temp.name
    os.makedirs(workdir, exist_ok=True)
    paths = write_inputs(workdir, base64.b64encode(os.urandom(32)).decode())
    token_path = os.path.join(workdir, "session.jwt")
    with open(token_path, "w") as token:
        subprocess.run([bazel_bin("bench/authorize/mint_session"), "--secret-file",
                        paths["secret.b64"], "--subject", "bench-oncall", "--email", SESSION_EMAIL,
                        "--groups", SESSION_GROUPS, "--lifetime", "2h"], stdout=token, check=True)
    server_log = args.server_log or os.path.join(workdir, "server.log")
    server, address, routes = start_server(paths["config.yaml"], server_log)
    print(f"postern-authorize pid {server.pid} on {address} with {routes} routes; "
          f"its stderr (decision log) -> {server_log}", flush=True)
    results = []
    try:
        for concurrency in levels:
            runs = sorted((run_load(args, paths, token_path, address, server.pid, concurrency)
                           for _ in range(args.repeat)), key=lambda r: r["calls_per_s"])
            results.append(runs[len(runs) // 2])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if server_log != os.devnull:
        with open(server_log, "rb") as f:
            decisions = sum(1 for line in f if line.startswith(b'{"time"'))
        print(f"decision log: {decisions:,} lines, {os.path.getsize(server_log):,} bytes")
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"nproc {os.cpu_count()}, load average {load}; client and server share these cores; "
          "CPU columns are % of one core")
    print_table(results, args.markdown)
    if temp:
        temp.cleanup()


if __name__ == "__main__":
    main()
