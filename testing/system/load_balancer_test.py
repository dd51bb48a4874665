"""System test: two postern-proxy replicas behind haproxy in TCP mode with the PROXY protocol.

The deployment the docs recommend: an L4 load balancer (Debian's haproxy,
`mode tcp`, `balance roundrobin`, `send-proxy-v2`) in front of two real proxy
replicas that share one config (`proxy_protocol: true`, one shared secret, one
certificate) and one real authorize service. All on loopback, three addresses
so that each party is told apart by its IP:

    client 127.0.0.3  ->  haproxy 127.0.0.1:<probed>  --from 127.0.0.2-->  replicas 127.0.0.1:<0>

So a replica that used the TCP peer instead of the PROXY header would see
127.0.0.2 (haproxy), never 127.0.0.3 (the client).
"""

import http.client
import os
import re
import socket
import ssl
import subprocess
import unittest
import urllib.parse
import urllib.request

from fake_oidc_provider import FakeOidcProvider, User
from testing.harness import harness
from testing.harness.fake_redis import FakeRedis, redis_ping, resp_command

PROXY = harness.binary("proxy/postern-proxy")
AUTHORIZE = harness.binary("authorize/postern-authorize")
HAPROXY = "/usr/sbin/haproxy"
PROXY_NAME = "proxy.localhost.example"
USER = "a@example.com"
CLIENT_IP = "127.0.0.3"
BALANCER_IP = "127.0.0.2"


def allow(*criteria):
    return [{"allow": {"and": [{"email": {"is": USER}}] + list(criteria)}}]


class LoadBalancerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tmpdir("load_balancer")
        cls.pki = harness.Pki(cls.dir, [PROXY_NAME])
        cls.context = ssl.create_default_context(cafile=cls.pki.ca_cert)
        cls.context.set_alpn_protocols(["http/1.1"])
        cls.redis = FakeRedis()
        cls.provider = FakeOidcProvider(log=open(os.path.join(cls.dir, "oidc.log"), "w"),
                                        user=User(sub="user-a", email=USER, name="A", groups=[]))
        cls.provider.start()
        cls.balancer_address = "127.0.0.1:%d" % harness.free_port()
        upstream = "tcp://" + cls.redis.address
        routes = [
            {"from": "tcp+https://redis.localhost.example:6379", "to": upstream,
             "policy": allow()},
            {"from": "tcp+https://client-only.localhost.example:6379", "to": upstream,
             "policy": allow({"source_ip": [CLIENT_IP + "/32"]})},
            {"from": "tcp+https://balancer-only.localhost.example:6379", "to": upstream,
             "policy": allow({"source_ip": [BALANCER_IP + "/32"]})},
            {"from": "tcp+https://office.localhost.example:6379", "to": upstream,
             "policy": allow({"source_ip": ["10.0.0.0/8"]})},
        ]
        config = {"shared_secret": harness.new_secret(), "certificate_file": cls.pki.cert,
                  "certificate_key_file": cls.pki.key, "routes": routes}
        cls.authorize_config = harness.write_config(os.path.join(cls.dir, "authorize.yaml"), config)
        cls.authorize = harness.Process("authorize", [AUTHORIZE, "--config", cls.authorize_config,
                                                      "--grpc-address", "127.0.0.1:0"])
        authorize_address = cls.authorize.wait_for(r"listening on (\S+)").group(1)

        config.update({"proxy_protocol": True, "metrics_address": "127.0.0.1:0",
                       "authorize_service_url": "http://" + authorize_address,
                       # Users reach the login endpoints through the balancer.
                       "authenticate_service_url": "https://%s:%s" % (
                           PROXY_NAME, cls.balancer_address.split(":")[1]),
                       "idp_provider_url": cls.provider.url, "idp_client_id": "postern",
                       "idp_client_secret": "postern-test-secret"})
        cls.proxy_config = harness.write_config(os.path.join(cls.dir, "proxy.yaml"), config)
        cls.replicas, cls.replica_addresses, cls.replica_metrics = [], [], []
        for name in ("replica1", "replica2"):
            replica = harness.Process(name, [PROXY, "--config", cls.proxy_config,
                                             "--address", "127.0.0.1:0"])
            cls.replicas.append(replica)
            cls.replica_metrics.append(
                replica.wait_for(r"INFO metrics, health and readiness on http://(\S+)").group(1))
            cls.replica_addresses.append(replica.wait_for(r"INFO listening on (\S+)").group(1))

        haproxy_config = os.path.join(cls.dir, "haproxy.cfg")
        with open(haproxy_config, "w") as f:
            f.write("global\n    maxconn 256\n"
                    "defaults\n    mode tcp\n    timeout connect 5s\n"
                    "    timeout client 60s\n    timeout server 60s\n"
                    "frontend postern\n    bind %s\n    default_backend replicas\n"
                    "backend replicas\n    balance roundrobin\n" % cls.balancer_address)
            for i, address in enumerate(cls.replica_addresses):
                f.write("    server replica%d %s send-proxy-v2 source %s\n" %
                        (i + 1, address, BALANCER_IP))
        # -W (master-worker) for its "Loading success." line: the listener is
        # bound by then. -db keeps it in the foreground, without root.
        cls.haproxy = harness.Process("haproxy", [HAPROXY, "-W", "-db", "-f", haproxy_config])
        cls.haproxy.wait_for(r"Loading success")

        result = subprocess.run([PROXY, "service-account", "--config", cls.proxy_config,
                                 "--email", USER], capture_output=True, timeout=30)
        if result.returncode != 0:
            raise AssertionError("service-account failed: %s" % result.stderr.decode())
        cls.token = result.stdout.decode().strip()

    @classmethod
    def tearDownClass(cls):
        for process in [cls.haproxy] + cls.replicas + [cls.authorize]:
            process.kill()
        cls.redis.close()
        cls.provider.stop()

    def replica_get(self, index, target, cookies=()):
        """GET `target` from replica `index` directly, as the balancer would pass
        it on (a PROXY v1 header naming the client first). Returns (status,
        headers as a list of (name, value), body)."""
        host, port = harness.split_address(self.replica_addresses[index])
        raw = socket.create_connection((host, port), timeout=20)
        raw.sendall(("PROXY TCP4 %s 127.0.0.1 40000 443\r\n" % CLIENT_IP).encode())
        with self.context.wrap_socket(raw, server_hostname=PROXY_NAME) as tls:
            request = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (target, PROXY_NAME)
            if cookies:
                request += "Cookie: %s\r\n" % "; ".join(cookies)
            tls.sendall((request + "Connection: close\r\n\r\n").encode())
            data = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [(k.strip().lower(), v.strip()) for k, _, v in
                   (line.partition(":") for line in lines[1:])]
        return int(lines[0].split(" ")[1]), headers, body.decode("utf-8", "replace")

    def metrics(self, index):
        with urllib.request.urlopen("http://%s/metrics" % self.replica_metrics[index],
                                    timeout=10) as response:
            return response.read().decode()

    def answered(self):
        """Per replica, how many CONNECT requests it has answered (any route, any status)."""
        counts = []
        for index in range(len(self.replicas)):
            counts.append(sum(int(m) for m in re.findall(r"(?m)^postern_tunnels_total\{.*\} (\d+)$",
                                                          self.metrics(index))))
        return counts

    def tls(self, raw, session=None):
        # One context for every connection: a session resumes only within its context.
        sock = self.context.wrap_socket(raw, server_hostname=PROXY_NAME, session=session)
        self.addCleanup(sock.close)
        return sock

    def through_balancer(self, authority, session=None, token=None):
        """One CONNECT through haproxy from CLIENT_IP. Returns (response, client "ip:port",
        index of the replica that answered). The replica is the one whose request count moved:
        a replica counts a request before it answers, and tests here run one at a time."""
        before = self.answered()
        raw = socket.create_connection(harness.split_address(self.balancer_address), timeout=20,
                                       source_address=(CLIENT_IP, 0))
        client = "%s:%d" % raw.getsockname()[:2]
        sock = self.tls(raw, session)
        sock.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Pomerium %s\r\n\r\n" %
                      (authority, authority, token or self.token)).encode())
        result = harness.read_response(sock)
        after = self.answered()
        moved = [i for i in range(len(self.replicas)) if after[i] != before[i]]
        self.assertEqual(len(moved), 1, "exactly one replica answered: %s -> %s" % (before, after))
        return result, client, moved[0]

    def test_tunnels_through_the_balancer_reach_redis_from_both_replicas(self):
        served = set()
        for i in range(6):
            result, client, replica = self.through_balancer("redis.localhost.example:6379")
            self.assertEqual(result.status, 200)
            sock = result.sock
            sock.sendall(resp_command("SET", "lb-%d" % i, "via replica %d" % replica))
            self.assertEqual(harness.recv_until(sock, b"\r\n", result.leftover), b"+OK\r\n")
            sock.sendall(resp_command("GET", "lb-%d" % i))
            self.assertEqual(harness.recv_until(sock, b"via replica %d\r\n" % replica),
                             b"$13\r\nvia replica %d\r\n" % replica)
            sock.close()
            line = harness.access_line(self.replicas[replica], client)
            self.assertEqual(line["status"], 200)
            self.assertEqual(line["bytes_down"], len(b"+OK\r\n$13\r\nvia replica 0\r\n"))
            served.add(replica)
        self.assertEqual(served, {0, 1}, "round robin spread the tunnels over both replicas")

    def test_source_ip_policy_and_access_log_see_the_client_not_the_balancer(self):
        for authority, status in [("client-only.localhost.example:6379", 200),
                                  ("balancer-only.localhost.example:6379", 403),
                                  ("office.localhost.example:6379", 403)]:
            result, client, replica = self.through_balancer(authority)
            self.assertEqual(result.status, status, authority)
            result.sock.close()
            line = harness.access_line(self.replicas[replica], client)
            self.assertEqual(line["client"], client, "the client's own address and port")
            self.assertEqual(line["status"], status)
            self.assertEqual(line["decision"], "allow" if status == 200 else "deny")
        for replica in self.replicas:
            self.assertEqual(replica.count(r'"client":"%s:' % re.escape(BALANCER_IP)), 0)

    def test_a_direct_connection_without_a_proxy_header_is_refused(self):
        raw = socket.create_connection(harness.split_address(self.replica_addresses[0]), timeout=20)
        client = "127.0.0.1:%d" % raw.getsockname()[1]
        with self.assertRaises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            self.tls(raw)
        self.replicas[0].wait_for(r"WARN PROXY protocol: closed connection from %s: connection "
                                  r"starts with a TLS handshake" % re.escape(client))
        self.assertRegex(self.metrics(0), r"(?m)^postern_proxy_protocol_errors_total [1-9]\d*$")

    def test_a_direct_connection_with_a_v1_header_is_taken_at_its_word(self):
        # Anyone who can reach a replica can claim any address: replicas must be
        # reachable only through the balancer. This shows v1 works end to end.
        raw = socket.create_connection(harness.split_address(self.replica_addresses[1]), timeout=20)
        raw.sendall(b"PROXY TCP4 10.1.2.3 127.0.0.1 40000 443\r\n")
        sock = self.tls(raw)
        sock.sendall(("CONNECT office.localhost.example:6379 HTTP/1.1\r\n"
                      "Authorization: Pomerium %s\r\n\r\n" % self.token).encode())
        result = harness.read_response(sock)
        self.assertEqual(result.status, 200)
        sock.close()
        self.assertEqual(harness.access_line(self.replicas[1], "10.1.2.3:40000")["status"], 200)

    def test_tls_session_resumes_on_the_other_replica_through_the_balancer(self):
        first, _, first_replica = self.through_balancer("redis.localhost.example:6379")
        self.assertEqual(first.status, 200)
        # TLS 1.3 tickets come after the handshake: a round trip makes sure it arrived.
        self.assertEqual(redis_ping(first.sock, first.leftover), b"+PONG\r\n")
        self.assertFalse(first.sock.session_reused)
        for _ in range(4):  # round robin: the next connection normally lands on the other one
            second, _, replica = self.through_balancer("redis.localhost.example:6379",
                                                       session=first.sock.session)
            if replica != first_replica:
                break
        self.assertNotEqual(replica, first_replica)
        self.assertEqual(second.status, 200)
        self.assertTrue(second.sock.session_reused, "the other replica accepted the ticket")

    def test_login_started_on_one_replica_completes_on_the_other(self):
        # Replica 1: the CLI asks for the sign-in URL, the browser opens it.
        cli_redirect = "http://127.0.0.1:9/"
        status, _, sign_in = self.replica_get(
            0, "/.pomerium/api/v1/login?" + urllib.parse.urlencode(
                {"pomerium_redirect_uri": cli_redirect}))
        self.assertEqual(status, 200, sign_in)
        sign_in = urllib.parse.urlsplit(sign_in)
        self.assertEqual(sign_in.netloc, "%s:%s" % (PROXY_NAME,
                                                    self.balancer_address.split(":")[1]))
        status, headers, body = self.replica_get(0, sign_in.path + "?" + sign_in.query)
        self.assertEqual(status, 302, body)
        cookies = [v.split(";")[0] for k, v in headers if k == "set-cookie"]
        to_provider = dict(headers)["location"]
        self.assertTrue(to_provider.startswith(self.provider.url), to_provider)

        # The provider approves and sends the browser back to the callback.
        provider = urllib.parse.urlsplit(to_provider)
        connection = http.client.HTTPConnection(provider.netloc, timeout=20)
        connection.request("GET", provider.path + "?" + provider.query)
        answer = connection.getresponse()
        self.assertEqual(answer.status, 302)
        callback = urllib.parse.urlsplit(answer.getheader("Location"))
        connection.close()

        # Replica 2 finishes the login it never saw start.
        status, headers, body = self.replica_get(1, callback.path + "?" + callback.query,
                                                 cookies)
        self.assertEqual(status, 302, body)
        back = urllib.parse.urlsplit(dict(headers)["location"])
        self.assertEqual("%s://%s%s" % (back.scheme, back.netloc, back.path), cli_redirect)
        token = urllib.parse.parse_qs(back.query)["pomerium_jwt"][0]

        # And the token opens a tunnel through the balancer.
        result, _, _ = self.through_balancer("redis.localhost.example:6379", token=token)
        self.assertEqual(result.status, 200, result.body)
        self.assertEqual(redis_ping(result.sock, result.leftover), b"+PONG\r\n")


if __name__ == "__main__":
    unittest.main()
