#!/usr/bin/python3
"""A scripted stand-in for a person's web browser, for login tests (`--browser-cmd`).

It opens one URL and follows redirects across hosts the way a browser would,
keeping cookies, until it reaches a page (2xx) or fails. The CLI under test runs
it with the sign-in URL as its one argument; it then walks proxy -> provider ->
proxy callback -> the CLI's loopback page, and exits by itself.

    POSTERN_TEST_BROWSER_COOKIES=$TMP/cookies.txt POSTERN_TEST_BROWSER_LOG=$TMP/browser.log \\
        scripted_browser.py 'https://127.0.0.1:8443/.pomerium/sign_in?...'

Environment:
  POSTERN_TEST_BROWSER_COOKIES  cookie jar file (Netscape format), loaded at start and
                                saved at exit, so a second login reuses session cookies;
                                unset: cookies live only for this run
  POSTERN_TEST_BROWSER_CA       PEM CA bundle trusted for https (unset: the system's)
  POSTERN_TEST_BROWSER_LOG      append the log here (unset: stderr)
  POSTERN_TEST_BROWSER_TIMEOUT  seconds for the whole walk (default 60)
  POSTERN_TEST_BROWSER_DETACH   1: return at once and walk in the background, like a
                                browser that is already running

The log has one line per hop with secrets (code, state, pomerium_jwt, tokens)
replaced by "...", the final page's body, and always ends with
`scripted-browser: exit N: reason`.
Exit status: 0 reached a 2xx page; 1 an error page (4xx/5xx) or a broken redirect;
2 bad usage; 3 more than 20 redirects; 4 timeout or network failure.

Cookies follow RFC 6265 roughly as browsers do: Domain and Path are honoured,
host-only cookies stay with their host (ports are ignored, as browsers do),
Secure cookies are set and sent over https only, and SameSite=Strict cookies
are withheld once the redirect chain has passed through another site. SameSite
is not kept in the jar file (the Netscape format has no place for it).
"""

import fcntl
import http.client
import http.cookiejar
import ipaddress
import os
import re
import signal
import ssl
import sys
import time
import urllib.parse
import urllib.request

MAX_REDIRECTS = 20
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_BODY_BYTES = 1 << 20
SECRET_PARAMS = ("code", "state", "pomerium_jwt", "id_token", "access_token", "refresh_token",
                 "client_secret", "code_verifier", "token")
USER_AGENT = "Mozilla/5.0 (compatible; postern-scripted-browser/1)"

EXIT_OK, EXIT_ERROR_PAGE, EXIT_USAGE, EXIT_REDIRECTS, EXIT_NETWORK = 0, 1, 2, 3, 4

_SECRET_RE = re.compile(r"([?&#;])(%s)=[^&#;]*" % "|".join(SECRET_PARAMS))


def redact(url):
    """The URL with the values of secret query and fragment parameters replaced by "..."."""
    return _SECRET_RE.sub(r"\1\2=...", url)


class Log:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8") if path else sys.stderr

    def __call__(self, message):
        self._file.write("scripted-browser: %s\n" % message)
        self._file.flush()


def _is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _domain_match(host, domain):
    return host == domain or (host.endswith("." + domain) and not _is_ip(host))


def site(url):
    """Schemeful site, without a public suffix list: loopback names and IPs are their own site."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if not _is_ip(host) and host.count(".") >= 2:
        host = ".".join(host.split(".")[-2:])
    return parts.scheme, host


def _same_site_attr(cookie):
    for name, value in cookie._rest.items():
        if name.lower() == "samesite":
            return (value or "").lower()
    return ""


class BrowserCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Cookie rules close to a browser's, which also hold for 127.0.0.1 and localhost.

    http.cookiejar's defaults want a dot in every domain and let host-only
    cookies leak to subdomains; this keeps RFC 6265 domain matching instead.
    The request carries `cross_site` (set by the walk) for SameSite=Strict.
    """

    def __init__(self):
        super().__init__(strict_ns_domain=http.cookiejar.DefaultCookiePolicy.DomainStrictNonDomain,
                         secure_protocols=("https",))

    def set_ok(self, cookie, request):
        if cookie.secure and request.type != "https":
            return False
        return super().set_ok(cookie, request)

    def set_ok_domain(self, cookie, request):
        if not cookie.domain_specified:
            return True
        host = http.cookiejar.request_host(request)
        domain = cookie.domain.lstrip(".").lower()
        # A one-label Domain (Domain=com) names a whole top-level domain unless it is the host.
        if "." not in domain and domain != host:
            return False
        return _domain_match(host, domain)

    def domain_return_ok(self, domain, request):
        return True  # return_ok_domain decides, cookie by cookie

    def return_ok_domain(self, cookie, request):
        req_host, effective_host = http.cookiejar.eff_request_host(request)
        if cookie.domain_specified:
            return _domain_match(req_host, cookie.domain.lstrip(".").lower())
        return cookie.domain == effective_host

    def return_ok(self, cookie, request):
        if getattr(request, "cross_site", False) and _same_site_attr(cookie) == "strict":
            return False
        return super().return_ok(cookie, request)


class CookieFile:
    """The jar, loaded from and saved to POSTERN_TEST_BROWSER_COOKIES under a lock."""

    def __init__(self, path):
        self.path = path
        self.jar = http.cookiejar.MozillaCookieJar(path, policy=BrowserCookiePolicy())

    def load(self):
        if not self.path:
            return
        with self._locked():
            if os.path.exists(self.path) and os.path.getsize(self.path) > 0:
                # Session cookies too: the "browser" stays open between logins.
                self.jar.load(ignore_discard=True)

    def save(self):
        if not self.path:
            return
        with self._locked():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.jar.save(ignore_discard=True)

    def _locked(self):
        return _FileLock(self.path + ".lock")


class _FileLock:
    def __init__(self, path):
        self._path = path

    def __enter__(self):
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


class _ResponseInfo:
    """What CookieJar.extract_cookies wants from a response."""

    def __init__(self, headers):
        self._headers = headers

    def info(self):
        return self._headers


class WalkFailed(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class Browser:
    def __init__(self, cookies, ca_file, log, deadline):
        self.cookies = cookies
        self.log = log
        self.deadline = deadline
        self.context = ssl.create_default_context(cafile=ca_file)

    def _timeout(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the walk took longer than its deadline")
        return min(remaining, 30)

    def fetch(self, url, cross_site):
        """One GET with the jar's cookies; stores Set-Cookie; returns (status, headers, body)."""
        parts = urllib.parse.urlsplit(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        request.cross_site = cross_site
        self.cookies.jar.add_cookie_header(request)
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self._timeout(),
                                               context=self.context)
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self._timeout())
        try:
            headers = {"User-Agent": USER_AGENT, "Accept": "text/html,text/plain,*/*",
                       "Connection": "close"}
            cookie = request.get_header("Cookie")
            if cookie:
                headers["Cookie"] = cookie
                names = [c.split("=", 1)[0].strip() for c in cookie.split(";")]
                self.log("  sending cookies: %s" % ", ".join(names))
            conn.request("GET", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")),
                         headers=headers)
            response = conn.getresponse()
            body = response.read(MAX_BODY_BYTES)
            self.cookies.jar.extract_cookies(_ResponseInfo(response.headers), request)
            return response.status, response.headers, body
        finally:
            conn.close()

    def walk(self, url):
        """Follows redirects from url to a 2xx page; raises WalkFailed otherwise."""
        chain_sites = []
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise WalkFailed(EXIT_ERROR_PAGE, "cannot open %s: not an http(s) URL" % redact(url))
            cross_site = any(s != site(url) for s in chain_sites)
            self.log("GET %s" % redact(url))
            try:
                status, headers, body = self.fetch(url, cross_site)
            except (OSError, http.client.HTTPException) as e:
                raise WalkFailed(EXIT_NETWORK, "%s: %s" % (redact(url), e or type(e).__name__)) from e
            self.log("  -> %d %s" % (status, headers.get("Content-Type", "")))
            if status in REDIRECT_STATUSES:
                location = headers.get("Location")
                if not location:
                    raise WalkFailed(EXIT_ERROR_PAGE,
                                     "redirect %d without Location at %s" % (status, redact(url)))
                chain_sites.append(site(url))
                url = urllib.parse.urljoin(url, location)
                continue
            text = body.decode("utf-8", "replace")
            if 200 <= status < 300:
                self.log("page body:\n%s" % text)
                return status, url
            self.log("error page body:\n%s" % text[:4000])
            raise WalkFailed(EXIT_ERROR_PAGE, "HTTP %d at %s" % (status, redact(url)))
        raise WalkFailed(EXIT_REDIRECTS, "too many redirects (more than %d)" % MAX_REDIRECTS)


def _timeout_alarm(signum, frame):
    raise TimeoutError("the walk took longer than POSTERN_TEST_BROWSER_TIMEOUT")


def _detach():
    """Returns in a background child; the parent exits 0 at once, as a browser launcher does."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    if os.environ.get("POSTERN_TEST_BROWSER_LOG"):
        os.dup2(devnull, 2)
    os.close(devnull)


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: scripted_browser.py URL (settings come from POSTERN_TEST_BROWSER_* "
              "variables; see the file's header)", file=sys.stderr)
        return EXIT_USAGE
    url = argv[0]
    try:
        timeout = float(os.environ.get("POSTERN_TEST_BROWSER_TIMEOUT", "60"))
    except ValueError:
        print("scripted-browser: POSTERN_TEST_BROWSER_TIMEOUT must be a number of seconds",
              file=sys.stderr)
        return EXIT_USAGE
    if os.environ.get("POSTERN_TEST_BROWSER_DETACH") == "1":
        _detach()

    log = Log(os.environ.get("POSTERN_TEST_BROWSER_LOG"))
    cookies = CookieFile(os.environ.get("POSTERN_TEST_BROWSER_COOKIES"))
    status, reason = EXIT_OK, ""
    # The alarm is the backstop for a server that trickles bytes forever; socket
    # timeouts catch the ordinary cases first.
    signal.signal(signal.SIGALRM, _timeout_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        cookies.load()
        browser = Browser(cookies, os.environ.get("POSTERN_TEST_BROWSER_CA"), log,
                          time.monotonic() + timeout)
        final_status, final_url = browser.walk(url)
        reason = "reached %d at %s" % (final_status, redact(final_url))
    except WalkFailed as e:
        status, reason = e.status, str(e)
    except TimeoutError as e:
        status, reason = EXIT_NETWORK, "timeout after %gs: %s" % (timeout, e)
    except (OSError, http.cookiejar.LoadError, ssl.SSLError) as e:
        status, reason = EXIT_NETWORK, str(e)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        cookies.save()
    except OSError as e:
        log("cannot save cookies to %s: %s" % (cookies.path, e))
    log("exit %d: %s" % (status, reason))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
