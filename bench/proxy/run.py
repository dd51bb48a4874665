#!/usr/bin/env python3
"""Proxy benchmark: postern-proxy against a direct connection and haproxy, same run, loopback.

    bench/proxy/run.py                        # everything, 3 repetitions, ~6 min
    bench/proxy/run.py --repeat 5 --bytes 4G --idle 2000,9900 --markdown
    bench/proxy/run.py --only throughput --systems haproxy,postern

Builds //proxy:postern-proxy, //authorize:postern-authorize and the two tools
in bench/proxy with `-c opt`, makes a CA and a P-256 server certificate, writes
one config for postern (a route to bench_upstream allowing one email) and one
for haproxy (`mode tcp`, `bind ... ssl crt ... alpn http/1.1`, TLS 1.3 suite
TLS_AES_128_GCM_SHA256, `nbthread 2`), mints a session with `postern-proxy
service-account`, starts everything on 127.0.0.1 and measures, for each system:

  throughput  one tunnel, --bytes up (client -> upstream sink) and down
              (upstream generator -> client); MiB/s and the relay's CPU
              seconds per GiB
  setup       --setups tunnels one after another (after 200 unmeasured),
              connect() to first echoed byte, full TLS handshakes; p50/p99 ms;
              and connect() until the upstream accepted the relay's connection
              (bench_upstream reports its accept time); back to back, or
              --setup-pause-us apart (threads idle between)
  idle        N tunnels each proven live by one byte each way, then held: the
              relay's RSS (VmRSS) and Pss (smaps_rollup) before and after,
              divided by N; a fresh relay process for every N

Systems: `direct` is plain TCP to the upstream (no TLS, no relay: the ceiling
an application gets without any proxy); `haproxy` and `postern` are TLS
terminating relays doing the same handshake and the same record protection.
Both relays write one log line per connection to a file. Repetitions
interleave the systems so that a noisy neighbour hits each alike; the table
keeps the median of each number. Results go to --out as JSON and CSV, with a
PNG plot (gnuplot). Every process started is stopped at the end, also on
Ctrl-C.
"""

import argparse
import base64
import csv
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_NAME = "proxy.bench.example"
AUTHORITY = "upstream.bench.example:9"
EMAIL = "bench@example.com"
SYSTEMS = ["direct", "haproxy", "postern"]
PATHS = {"direct": "tcp", "haproxy": "tls", "postern": "connect", "postern-before": "connect"}
BEFORE_PROXY = None  # --before-proxy: another postern-proxy binary, as system "postern-before"
BIN_DIR = None
STARTED = []  # every Process, for cleanup


def binary(target_path):
    # Not the bazel-bin symlink: it follows whichever configuration was built last.
    return os.path.join(BIN_DIR, target_path)


def parse_bytes(text):
    match = re.fullmatch(r"(\d+)([KMG]?)", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError("a size such as 2G, 512M or 1048576")
    return int(match.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[match.group(2)]


class Process:
    """A child process in its own process group; stderr to a file, scanned for readiness."""

    def __init__(self, name, args, log_path, stdin=subprocess.DEVNULL):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        STARTED.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def wait_for(self, pattern, timeout=30):
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "r", errors="replace") as f:
                for line in f:
                    match = regex.search(line)
                    if match:
                        return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(self.log_path, "r", errors="replace") as f:
            tail = f.read()[-3000:]
        raise RuntimeError("%s did not log %r (exit %s):\n%s" % (self.name, pattern,
                                                                 self.proc.poll(), tail))

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.log.close()
        if self in STARTED:
            STARTED.remove(self)


def stop_all():
    for process in list(STARTED):
        process.stop()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


# Key types for the benchmark's CA and server certificate. The handshake's
# signature is most of a setup's cryptography, so it sets how large the
# relays' fixed costs are against what postern adds.
KEY_TYPES = {
    "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "rsa": ["-newkey", "rsa:2048"],
}


def make_pki(workdir, key_type="ec"):
    new_key = KEY_TYPES[key_type]
    ca, ca_key = os.path.join(workdir, "ca.pem"), os.path.join(workdir, "ca-key.pem")
    cert, key = os.path.join(workdir, "server.pem"), os.path.join(workdir, "server-key.pem")
    csr, ext = os.path.join(workdir, "server.csr"), os.path.join(workdir, "server.ext")
    openssl("req", "-x509", *new_key, "-nodes",
            "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Postern Bench CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n" % SERVER_NAME)
    openssl("req", *new_key, "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=" + SERVER_NAME)
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "2", "-extfile", ext)
    combined = os.path.join(workdir, "haproxy.pem")  # haproxy wants certificate and key in one
    with open(combined, "w") as out:
        for path in (cert, key):
            with open(path) as f:
                out.write(f.read())
    return {"ca": ca, "cert": cert, "key": key, "combined": combined}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_memory_kib(pid):
    """(VmRSS, Pss) of a process in KiB."""
    rss = pss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def machine_busy_seconds():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.pki = make_pki(workdir, args.server_key)
        self.secret = base64.b64encode(os.urandom(32)).decode()
        self.upstream = Process("bench_upstream", [binary("bench/proxy/bench_upstream"),
                                                   "--listen", "127.0.0.1:0"],
                                os.path.join(workdir, "upstream.log"))
        self.upstream_address = self.upstream.wait_for(r"listening on (\S+)").group(1)
        self.write_configs()
        self.authorize = Process("postern-authorize",
                                 [binary("authorize/postern-authorize"), "--config",
                                  self.postern_config, "--grpc-address", "127.0.0.1:0"],
                                 os.path.join(workdir, "authorize.log"))
        authorize_address = self.authorize.wait_for(r"listening on (\S+)").group(1)
        self.write_configs(authorize_address)
        self.token_file = os.path.join(workdir, "token.jwt")
        token = subprocess.run([binary("proxy/postern-proxy"), "service-account", "--config",
                                self.postern_config, "--email", EMAIL, "--ttl", "4h"],
                               check=True, capture_output=True).stdout.decode().strip()
        with open(self.token_file, "w") as f:
            f.write(token + "\n")
        self.relays = {}
        self.metrics = {}  # system -> its metrics address
        self.generation = 0

    def write_configs(self, authorize_address="127.0.0.1:1"):
        self.postern_config = os.path.join(self.workdir, "postern.yaml")
        config = {
            "address": "127.0.0.1:0",
            "authorize_service_url": "http://" + authorize_address,
            "shared_secret": self.secret,
            "certificate_file": self.pki["cert"],
            "certificate_key_file": self.pki["key"],
            "routes": [{"from": "tcp+https://" + AUTHORITY,
                        "to": "tcp://" + self.upstream_address,
                        "policy": [{"allow": {"or": [{"email": {"is": EMAIL}}]}}]}],
        }
        with open(self.postern_config, "w") as f:
            json.dump(config, f, indent=2)

    def haproxy_config(self, port):
        path = os.path.join(self.workdir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(f"""global
    nbthread 2
    maxconn 9990
    fd-hard-limit 20000
    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256
    ssl-default-bind-options ssl-min-ver TLSv1.2
    log stderr format raw daemon

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 2h
    timeout server 2h

frontend bench
    bind 127.0.0.1:{port} ssl crt {self.pki["combined"]} alpn http/1.1
    default_backend upstream

backend upstream
    server up {self.upstream_address}
""")
        return path

    def start_relay(self, system):
        """Starts a fresh relay; returns (address, pid). `direct` has none."""
        if system == "direct":
            return self.upstream_address, None
        self.generation += 1
        log = os.path.join(self.workdir, "%s-%d.log" % (system, self.generation))
        if system == "haproxy":
            port = free_port()
            process = Process("haproxy", ["haproxy", "-db", "-f", self.haproxy_config(port)], log)
            address = "127.0.0.1:%d" % port
            deadline = time.monotonic() + 20
            while True:  # haproxy logs nothing when ready; its port answering is the signal
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if process.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("haproxy did not start:\n" + open(log).read()[-3000:])
                    time.sleep(0.05)
        else:
            # Its own config: each postern process serves metrics on its own port.
            config_path = os.path.join(self.workdir, "%s-%d.yaml" % (system, self.generation))
            with open(self.postern_config) as f:
                config = json.load(f)
            self.metrics[system] = config["metrics_address"] = "127.0.0.1:%d" % free_port()
            with open(config_path, "w") as f:
                json.dump(config, f, indent=2)
            program = BEFORE_PROXY if system == "postern-before" else binary("proxy/postern-proxy")
            process = Process(system, [program, "--config", config_path], log)
            address = process.wait_for(r"listening on (\S+)").group(1)
        self.relays[system] = process
        return address, process.pid

    def stop_relay(self, system):
        process = self.relays.pop(system, None)
        if process is not None:
            process.stop()

    def load(self, system, address, *extra, stdin=None):
        command = [binary("bench/proxy/tunnel_load"), "--path", PATHS[system], "--target", address]
        if system != "direct":
            command += ["--ca-file", self.pki["ca"], "--server-name", SERVER_NAME]
        if PATHS[system] == "connect":
            command += ["--authority", AUTHORITY, "--token-file", self.token_file]
        return command + [str(x) for x in extra]

    def run_load(self, system, address, *extra, timeout=600):
        result = subprocess.run(self.load(system, address, *extra), capture_output=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError("%s: tunnel_load %s failed: %s" % (system, " ".join(map(str, extra)),
                                                                 result.stderr.decode()))
        return json.loads(result.stdout.decode().strip().splitlines()[-1])

    def measured(self, pid, fn):
        """Runs fn(); returns (its result, relay CPU s, load average, machine busy cores)."""
        load_before = loadavg()
        cpu = proc_cpu_seconds(pid) if pid else 0.0
        busy, wall = machine_busy_seconds(), time.monotonic()
        result = fn()
        cpu = (proc_cpu_seconds(pid) - cpu) if pid else 0.0
        busy_cores = (machine_busy_seconds() - busy) / max(1e-9, time.monotonic() - wall)
        return result, cpu, max(load_before, loadavg()), busy_cores

    # --- measurements ---------------------------------------------------------------------

    def throughput(self, system, address, pid, direction):
        out, cpu, load, busy = self.measured(pid, lambda: self.run_load(
            system, address, "--mode", "throughput", "--bytes", self.args.bytes,
            "--direction", direction))
        gib = out["bytes"] / float(1 << 30)
        return {"system": system, "direction": direction, "mib_per_s": out["mib_per_s"],
                "relay_cpu_s_per_gib": cpu / gib if pid else None,
                "client_cpu_s_per_gib": out["client_cpu_s"] / gib, "load": load,
                "machine_busy_cores": busy}

    def check_seconds(self, system):
        """(sum, count) of postern's authorize_duration histogram: the Check round trips."""
        with urllib.request.urlopen("http://%s/metrics" % self.metrics[system], timeout=10) as r:
            text = r.read().decode()
        total = count = 0.0
        for line in text.splitlines():
            if line.startswith("postern_authorize_duration_seconds_sum"):
                total = float(line.split()[-1])
            elif line.startswith("postern_authorize_duration_seconds_count"):
                count = float(line.split()[-1])
        return total, count

    def setup(self, system, address, pid):
        check_before = self.check_seconds(system) if PATHS[system] == "connect" else None
        out, cpu, load, busy = self.measured(pid, lambda: self.run_load(
            system, address, "--mode", "setup", "--count", self.args.setups, "--warmup", 200,
            "--pause-us", self.args.setup_pause_us))
        check_ms = None
        if check_before is not None:
            total, count = self.check_seconds(system)
            check_ms = 1000 * (total - check_before[0]) / max(1, count - check_before[1])
        return {"system": system, "p50_ms": out["total_ms"]["p50"],
                "p90_ms": out["total_ms"]["p90"], "p99_ms": out["total_ms"]["p99"],
                "max_ms": out["total_ms"]["max"], "tls_p50_ms": out["tls_ms"]["p50"],
                "ready_p50_ms": out["ready_ms"]["p50"], "tcp_p50_ms": out["tcp_ms"]["p50"],
                "upstream_p50_ms": out["upstream_ms"]["p50"],
                "upstream_p99_ms": out["upstream_ms"]["p99"],
                "relay_cpu_us_per_setup": cpu * 1e6 / (self.args.setups + 200) if pid else None,
                "check_mean_ms": check_ms, "pause_us": self.args.setup_pause_us, "load": load,
                "machine_busy_cores": busy}

    def idle(self, system, count):
        address, pid = self.start_relay(system)
        try:
            # Warm: threads started, TLS context and the authorize channel in use.
            self.run_load(system, address, "--mode", "setup", "--count", 50, "--warmup", 0)
            time.sleep(1)
            before = proc_memory_kib(pid)
            client = subprocess.Popen(self.load(system, address, "--mode", "idle", "--count",
                                                count, "--concurrency", 4),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True)
            try:
                line = client.stdout.readline().decode()
                if not line.startswith("{"):
                    raise RuntimeError("%s: %d idle tunnels failed: %s" % (
                        system, count, client.stderr.read().decode()))
                ready = json.loads(line)
                time.sleep(2)  # let the relay finish the last tunnels' bookkeeping
                after = proc_memory_kib(pid)
                load = loadavg()
            finally:
                client.stdin.close()
                try:
                    client.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(client.pid, signal.SIGKILL)
                    client.wait()
        finally:
            self.stop_relay(system)
        return {"system": system, "count": count, "open_seconds": ready["seconds"],
                "rss_before_kib": before[0], "rss_after_kib": after[0],
                "pss_before_kib": before[1], "pss_after_kib": after[1],
                "rss_kib_per_tunnel": (after[0] - before[0]) / count,
                "pss_kib_per_tunnel": (after[1] - before[1]) / count, "load": load}


def median_by(rows, key, fields):
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in key), []).append(row)
    out = []
    for group_key, group in groups.items():
        summary = dict(zip(key, group_key))
        summary["runs"] = len(group)
        for field in fields:
            values = [r[field] for r in group if r.get(field) is not None]
            summary[field] = statistics.median(values) if values else None
            if field in ("mib_per_s", "p50_ms", "p99_ms") and values:
                summary[field + "_min"] = min(values)
                summary[field + "_max"] = max(values)
        out.append(summary)
    return out


def ratio(value, base):
    return value / base if value is not None and base else None


def fmt(value, digits=1):
    if value is None:
        return "-"
    return "%.*f" % (digits, value)


def print_tables(results, markdown, out):
    def table(header, rows):
        if markdown:
            out.write("| " + " | ".join(header) + " |\n")
            out.write("|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|\n")
            for row in rows:
                out.write("| " + " | ".join(row) + " |\n")
        else:
            widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
            for row in [header] + rows:
                out.write("  ".join(str(x).rjust(w) for x, w in zip(row, widths)) + "\n")
        out.write("\n")

    if results.get("throughput"):
        rows = []
        by = {(r["system"], r["direction"]): r for r in results["throughput"]}
        for direction in ("up", "down"):
            for system in SYSTEMS:
                r = by.get((system, direction))
                if not r:
                    continue
                hap, direct = by.get(("haproxy", direction)), by.get(("direct", direction))
                rows.append([direction, system, fmt(r["mib_per_s"], 0),
                             "%s-%s" % (fmt(r["mib_per_s_min"], 0), fmt(r["mib_per_s_max"], 0)),
                             fmt(ratio(r["mib_per_s"], hap and hap["mib_per_s"]), 2),
                             fmt(ratio(r["mib_per_s"], direct and direct["mib_per_s"]), 2),
                             fmt(r["relay_cpu_s_per_gib"], 2), fmt(r["load"], 1)])
        out.write("Throughput, one tunnel (median of %d)\n\n" % results["throughput"][0]["runs"])
        table(["direction", "system", "MiB/s", "range", "x haproxy", "x direct",
               "relay CPU s/GiB", "load avg"], rows)
    if results.get("setup"):
        by = {r["system"]: r for r in results["setup"]}
        rows = []
        for system in SYSTEMS:
            r = by.get(system)
            if not r:
                continue
            hap, direct = by.get("haproxy"), by.get("direct")
            rows.append([system, fmt(r["p50_ms"], 3), fmt(r["p99_ms"], 3),
                         fmt(ratio(r["p50_ms"], hap and hap["p50_ms"]), 2),
                         fmt(ratio(r["p99_ms"], hap and hap["p99_ms"]), 2),
                         fmt(r["tls_p50_ms"], 3), fmt(r["ready_p50_ms"], 3),
                         fmt(r.get("check_mean_ms"), 3),
                         fmt(r["relay_cpu_us_per_setup"], 0), fmt(r["load"], 1)])
        pause = results["setup"][0].get("pause_us", 0)
        out.write("Tunnel setup, connect() to first echoed byte, full handshakes, %s (median of %d)"
                  "\n\n" % ("%d us apart" % pause if pause else "back to back",
                             results["setup"][0]["runs"]))
        table(["system", "p50 ms", "p99 ms", "p50 x haproxy", "p99 x haproxy",
               "TLS done p50", "tunnel ready p50", "Check mean ms", "relay CPU us/setup",
               "load avg"], rows)
        rows = []
        for system in SYSTEMS:
            r = by.get(system)
            if not r or r.get("upstream_p50_ms") is None:
                continue
            hap = by.get("haproxy")
            rows.append([system, fmt(r["upstream_p50_ms"], 3), fmt(r["upstream_p99_ms"], 3),
                         fmt(ratio(r["upstream_p50_ms"], hap and hap["upstream_p50_ms"]), 2),
                         fmt(ratio(r["upstream_p99_ms"], hap and hap["upstream_p99_ms"]), 2)])
        out.write("\nSame tunnels, connect() until the upstream accepted the relay's connection "
                  "(TLS accept to upstream)\n\n")
        table(["system", "p50 ms", "p99 ms", "p50 x haproxy", "p99 x haproxy"], rows)
    if results.get("idle"):
        by = {(r["system"], r["count"]): r for r in results["idle"]}
        rows = []
        for count in sorted({r["count"] for r in results["idle"]}):
            for system in SYSTEMS:
                r = by.get((system, count))
                if not r:
                    continue
                hap = by.get(("haproxy", count))
                rows.append([str(count), system, fmt(r["rss_kib_per_tunnel"], 1),
                             fmt(ratio(r["rss_kib_per_tunnel"],
                                       hap and hap["rss_kib_per_tunnel"]), 2),
                             fmt(r["pss_kib_per_tunnel"], 1),
                             "%d -> %d" % (r["rss_before_kib"], r["rss_after_kib"]),
                             fmt(r["load"], 1)])
        out.write("Idle tunnels: relay memory per tunnel (median of %d)\n\n"
                  % results["idle"][0]["runs"])
        table(["tunnels", "system", "RSS KiB/tunnel", "x haproxy", "Pss KiB/tunnel",
               "RSS KiB before -> after", "load avg"], rows)


def plot(results, out_dir):
    """One PNG: throughput up/down, setup p50/p99, idle KiB per tunnel, per system."""
    data = os.path.join(out_dir, "proxy.dat")
    by_tp = {(r["system"], r["direction"]): r["mib_per_s"] for r in results.get("throughput", [])}
    by_setup = {r["system"]: r for r in results.get("setup", [])}
    counts = sorted({r["count"] for r in results.get("idle", [])})
    by_idle = {(r["system"], r["count"]): r["rss_kib_per_tunnel"] for r in results.get("idle", [])}
    with open(data, "w") as f:
        f.write("# system up_mib_s down_mib_s setup_p50_ms setup_p99_ms %s\n" %
                " ".join("idle_kib_%d" % c for c in counts))
        measured = {r["system"] for rows in results.values() for r in rows}
        for system in [s for s in SYSTEMS if s in measured]:
            s = by_setup.get(system, {})
            idle = [by_idle.get((system, c)) for c in counts]
            f.write("%s %s %s %s %s %s\n" % (
                system, by_tp.get((system, "up"), 0), by_tp.get((system, "down"), 0),
                s.get("p50_ms", 0), s.get("p99_ms", 0),
                " ".join(str(v if v is not None else 0) for v in idle)))
    png = os.path.join(out_dir, "proxy.png")
    haproxy_setup = by_setup.get("haproxy", {})
    setup_targets = ""
    if haproxy_setup:
        setup_targets = (", %f with lines dt 2 lc rgb 'black' title 'target p50: 1.25 x haproxy'"
                         ", %f with lines dt 3 lc rgb 'black' title 'target p99: 1.25 x haproxy'"
                         % (1.25 * haproxy_setup["p50_ms"], 1.25 * haproxy_setup["p99_ms"]))
    idle_plot = ""
    if counts:
        columns = ", ".join(
            "'%s' using %d:xtic(1) title '%d tunnels'" % (data, 6 + i, c)
            for i, c in enumerate(counts))
        idle_plot = f"""
set title 'Idle tunnel: relay RSS per tunnel (KiB; direct has no relay)'
set ylabel 'KiB'
plot {columns}, 24 with lines dt 2 lc rgb 'black' title 'target 24 KiB'
"""
    script = f"""set terminal pngcairo size 1500,480 font ',10'
set output '{png}'
set multiplot layout 1,{3 if counts else 2}
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set grid ytics
set title 'Bulk throughput, one tunnel (MiB/s, higher is better)'
set ylabel 'MiB/s'
plot '{data}' using 2:xtic(1) title 'up (client to upstream)', '' using 3 title 'down'
set title 'Tunnel setup, full TLS handshake (ms, lower is better)'
set ylabel 'ms'
plot '{data}' using 4:xtic(1) title 'p50', '' using 5 title 'p99'{setup_targets}
{idle_plot}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return png


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; 3")
    parser.add_argument("--bytes", type=parse_bytes, default=parse_bytes("2G"),
                        help="bytes per throughput run and direction; 2G")
    parser.add_argument("--setups", type=int, default=2000, help="measured setups per run; 2000")
    parser.add_argument("--setup-pause-us", type=int, default=0,
                        help="idle microseconds before each setup; 0 (back to back)")
    parser.add_argument("--idle", default="2000,9900",
                        help="idle tunnel counts; 2000,9900 (10,000 cannot fit: see the docs)")
    parser.add_argument("--idle-repeat", type=int, default=None,
                        help="runs of each idle count; default --repeat")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--only", default="throughput,setup,idle",
                        help="which measurements: throughput,setup,idle")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "perf"),
                        help="where proxy.json, proxy.csv and proxy.png go; docs/perf")
    parser.add_argument("--workdir", help="keep configs and logs here (default: a temp dir)")
    parser.add_argument("--server-key", choices=sorted(KEY_TYPES), default="ec",
                        help="key of the certificate both relays present: ec (P-256) or "
                             "rsa (2048 bits); ec")
    parser.add_argument("--no-build", action="store_true", help="use the last -c opt build")
    parser.add_argument("--markdown", action="store_true", help="tables as Markdown")
    parser.add_argument("--before-proxy", metavar="BINARY",
                        help="also measure this postern-proxy build (e.g. main's), as "
                             "system postern-before, for a before/after comparison")
    args = parser.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    global BEFORE_PROXY
    if args.before_proxy:
        BEFORE_PROXY = os.path.abspath(args.before_proxy)
        SYSTEMS.append("postern-before")
        systems.append("postern-before")
    only = set(args.only.split(","))
    idle_counts = [int(c) for c in args.idle.split(",") if c]

    global BIN_DIR
    targets = ["//proxy:postern-proxy", "//authorize:postern-authorize",
               "//bench/proxy:tunnel_load", "//bench/proxy:bench_upstream"]
    if not args.no_build:
        subprocess.run(["bazel", "build", "-c", "opt", "--jobs=2"] + targets, cwd=ROOT, check=True)
    BIN_DIR = subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode().strip()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    workdir = args.workdir or tempfile.mkdtemp(prefix="postern-proxy-bench-")
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    raw = {"throughput": [], "setup": [], "idle": []}
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    try:
        bench = Bench(args, workdir)
        if only & {"throughput", "setup"}:
            relays = {s: bench.start_relay(s) for s in systems}
            for rep in range(args.repeat):
                order = systems[rep % len(systems):] + systems[:rep % len(systems)]
                for system in order:
                    address, pid = relays[system]
                    if "throughput" in only:
                        for direction in ("up", "down"):
                            row = bench.throughput(system, address, pid, direction)
                            raw["throughput"].append(row)
                            print("throughput %-8s %-4s %8.1f MiB/s  load %.1f" % (
                                system, direction, row["mib_per_s"], row["load"]), file=sys.stderr)
                    if "setup" in only:
                        row = bench.setup(system, address, pid)
                        raw["setup"].append(row)
                        print("setup      %-8s p50 %.3f p99 %.3f ms  load %.1f" % (
                            system, row["p50_ms"], row["p99_ms"], row["load"]), file=sys.stderr)
            for system in systems:
                bench.stop_relay(system)
        if "idle" in only:
            for rep in range(args.idle_repeat or args.repeat):
                for count in idle_counts:
                    for system in systems:
                        if system == "direct":
                            continue
                        row = bench.idle(system, count)
                        raw["idle"].append(row)
                        print("idle       %-8s %5d  %.1f KiB/tunnel RSS  load %.1f" % (
                            system, count, row["rss_kib_per_tunnel"], row["load"]),
                              file=sys.stderr)
    finally:
        stop_all()

    results = {
        "throughput": median_by(raw["throughput"], ("system", "direction"),
                                ("mib_per_s", "relay_cpu_s_per_gib", "client_cpu_s_per_gib",
                                 "load", "machine_busy_cores")),
        "setup": median_by(raw["setup"], ("system",),
                           ("p50_ms", "p90_ms", "p99_ms", "max_ms", "tcp_p50_ms", "tls_p50_ms",
                            "ready_p50_ms", "upstream_p50_ms", "upstream_p99_ms",
                            "relay_cpu_us_per_setup", "check_mean_ms", "pause_us",
                            "load", "machine_busy_cores")),
        "idle": median_by(raw["idle"], ("system", "count"),
                          ("rss_kib_per_tunnel", "pss_kib_per_tunnel", "rss_before_kib",
                           "rss_after_kib", "pss_before_kib", "pss_after_kib", "open_seconds",
                           "load")),
    }
    document = {"started": started, "finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "machine": {"nproc": os.cpu_count(), "uname": " ".join(os.uname())},
                "args": {k: v for k, v in vars(args).items()}, "raw": raw, "median": results}
    with open(os.path.join(args.out, "proxy.json"), "w") as f:
        json.dump(document, f, indent=1)
    with open(os.path.join(args.out, "proxy.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["measurement", "system", "key", "field", "value"])
        for kind, rows in raw.items():
            for i, row in enumerate(rows):
                for field, value in row.items():
                    if field != "system":
                        writer.writerow([kind, row["system"], i, field, value])
    print_tables(results, args.markdown, sys.stdout)
    print("results: %s, plot: %s" % (os.path.join(args.out, "proxy.json"),
                                     plot(results, args.out)))


if __name__ == "__main__":
    main()
