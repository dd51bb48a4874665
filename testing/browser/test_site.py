"""A scripted web site on 127.0.0.1 for the browser tests: routes are Python functions.

    site = Site({"/start": lambda req: Page(302, [("Location", "/done")]),
                 "/done": lambda req: Page(200, body="ok")})
    site.url("/start")          # http://127.0.0.1:PORT/start
    site.url("/start", host="localhost")
    site.requests               # [Visit(path, query, cookie), ...] in arrival order

Requests are recorded before the route runs, so a test can see what a browser sent.
"""

import dataclasses
import http.server
import ssl
import threading
import urllib.parse


@dataclasses.dataclass
class Page:
    status: int
    headers: list = dataclasses.field(default_factory=list)  # [(name, value)], repeats allowed
    body: str = ""


@dataclasses.dataclass
class Visit:
    path: str
    query: dict
    cookie: str

    def cookies(self):
        pairs = (part.strip().partition("=") for part in self.cookie.split(";") if part.strip())
        return {name: value for name, _, value in pairs}


def redirect(location, status=302, cookies=()):
    return Page(status, [("Location", location)] + [("Set-Cookie", c) for c in cookies])


class Site:
    def __init__(self, routes, tls_cert=None, tls_key=None):
        self.routes = routes
        self.requests = []
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.scheme = "http"
        if tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls_cert, tls_key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path, host="127.0.0.1"):
        return "%s://%s:%d%s" % (self.scheme, host, self.port, path)

    def visits(self, path):
        with self._lock:
            return [v for v in self.requests if v.path == path]

    def record(self, visit):
        with self._lock:
            self.requests.append(visit)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


def _handler_for(site):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            visit = Visit(parts.path, dict(urllib.parse.parse_qsl(parts.query)),
                          self.headers.get("Cookie", ""))
            site.record(visit)
            route = site.routes.get(parts.path)
            page = route(visit) if route else Page(404, body="no route for %s\n" % parts.path)
            body = page.body.encode()
            self.send_response(page.status)
            for name, value in page.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    return Handler
