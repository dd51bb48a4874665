#!/usr/bin/python3
"""A fake OpenID Connect provider for Postern's tests and demo. Never use it in production.

It speaks the authorization code flow the proxy uses (PKCE S256, state, nonce,
client_secret_basic or client_secret_post) and signs id_tokens with a key made
fresh at start (RS256 or ES256). It approves every sign-in at once for one
configured user, and can be told to misbehave in one precise way at a time, so
a relying party's tests can show that each flaw is caught.

As a program (prints one line to stderr when ready, then serves until SIGTERM):

    fake_oidc_provider.py --redirect-uri https://127.0.0.1:8443/oauth2/callback \\
        --user-email alice@example.com --user-groups admins,dev
    fake-oidc listening on http://127.0.0.1:40123
    curl -d wrong_aud http://127.0.0.1:40123/control/misbehave

From Python:

    with FakeOidcProvider(redirect_uris=["http://127.0.0.1:9/cb"]) as provider:
        discovery = provider.issuer + "/.well-known/openid-configuration"
        provider.set_misbehave("expired")

The provider is stricter than the specifications where that catches a relying
party's mistakes: it requires state, nonce and a PKCE S256 challenge, and a code
is good for one exchange within 60 seconds. Needs python3-cryptography.
"""

import argparse
import base64
import dataclasses
import hashlib
import hmac
import http.server
import json
import re
import secrets
import signal
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

# Each mode makes one response flawed in one way; "none" behaves.
MISBEHAVIOURS = {
    "none": "behave normally",
    "wrong_iss": "id_token iss is not the issuer",
    "wrong_aud": "id_token aud is not the client_id",
    "bad_signature": "id_token signature does not verify (key and kid are right)",
    "expired": "id_token exp is an hour in the past",
    "unknown_kid": "id_token signed by a key the JWKS never serves",
    "missing_email": "no email claim in id_token or userinfo",
    "nonce_mismatch": "id_token nonce differs from the one sent to /authorize",
    "token_error": "token endpoint answers 400 invalid_grant",
    "authorize_error": "authorize redirects back with error=access_denied",
    "slow": "token endpoint waits --slow-seconds before answering",
    "alg_none": "id_token is unsigned, alg none",
    "rotate_key": "each id_token is signed by a new key the JWKS serves only from then on",
}
ALGORITHMS = ("RS256", "ES256")
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
CODE_LIFETIME_SECONDS = 60
SESSION_COOKIE = "fake_oidc_session"
MAX_BODY_BYTES = 64 * 1024
_PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value, length=None):
    length = length or (value.bit_length() + 7) // 8
    return b64url(value.to_bytes(length, "big"))


class SigningKey:
    """A private key with its kid; makes compact JWS and its public JWK."""

    def __init__(self, alg, private_key, kid):
        self.alg = alg
        self.kid = kid
        self._key = private_key

    @classmethod
    def generate(cls, alg):
        if alg == "RS256":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            raise ValueError("unsupported alg %r; use one of %s" % (alg, ", ".join(ALGORITHMS)))
        return cls(alg, key, secrets.token_hex(8))

    def public_jwk(self):
        numbers = self._key.public_key().public_numbers()
        jwk = {"kid": self.kid, "use": "sig", "alg": self.alg}
        if self.alg == "RS256":
            jwk.update(kty="RSA", n=_b64url_uint(numbers.n), e=_b64url_uint(numbers.e))
        else:
            jwk.update(kty="EC", crv="P-256", x=_b64url_uint(numbers.x, 32),
                       y=_b64url_uint(numbers.y, 32))
        return jwk

    def sign(self, signing_input):
        if self.alg == "RS256":
            return self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def compact_jws(self, claims, corrupt_signature=False):
        header = {"alg": self.alg, "kid": self.kid, "typ": "JWT"}
        signing_input = _jws_part(header) + "." + _jws_part(claims)
        signature = bytearray(self.sign(signing_input.encode("ascii")))
        if corrupt_signature:
            signature[0] ^= 0x01
        return signing_input + "." + b64url(bytes(signature))


def _jws_part(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def unsigned_jwt(claims):
    return _jws_part({"alg": "none", "typ": "JWT"}) + "." + _jws_part(claims) + "."


@dataclasses.dataclass
class User:
    """The one user every sign-in approves."""
    sub: str = "user-alice"
    email: str = "alice@example.com"
    name: str = "Alice Example"
    groups: list = dataclasses.field(default_factory=lambda: ["admins", "developers"])


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = dataclasses.field(default_factory=dict)


def _json_response(status, obj, headers=None):
    return Response(status, json.dumps(obj, indent=1).encode() + b"\n", "application/json",
                    headers or {})


def _oauth_error(status, error, description, headers=None):
    """An RFC 6749 section 5.2 error answer."""
    all_headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    all_headers.update(headers or {})
    return _json_response(status, {"error": error, "error_description": description}, all_headers)


def _error_page(status, message):
    """What a provider shows the person when it must not redirect (bad client or redirect_uri)."""
    return Response(status, ("fake-oidc (test provider): %s\n" % message).encode())


def _redirect(location, headers=None):
    all_headers = {"Location": location, "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(302, b"", headers=all_headers)


def _with_query(uri, params):
    separator = "&" if urllib.parse.urlsplit(uri).query else "?"
    return uri + separator + urllib.parse.urlencode(params)


def _single_values(pairs):
    """Form or query pairs as a dict; None if a parameter repeats (RFC 6749 section 3.1)."""
    values = {}
    for name, value in pairs:
        if name in values:
            return None
        values[name] = value
    return values


class FakeOidcProvider:
    """The provider: configuration, state, and a threaded HTTP server on 127.0.0.1.

    Thread-safe: requests run on their own threads; every public method may be
    called from any thread while the server runs.
    """

    def __init__(self, port=0, issuer_host="127.0.0.1", client_id="postern",
                 client_secret="postern-test-secret", redirect_uris=(), user=None, alg="RS256",
                 misbehave="none", slow_seconds=30.0, groups_claim="groups",
                 token_auth_methods=TOKEN_AUTH_METHODS, token_ttl=3600, tls_cert=None,
                 tls_key=None, log=sys.stderr):
        _check_mode(misbehave)
        _check_alg(alg)
        for method in token_auth_methods:
            if method not in TOKEN_AUTH_METHODS:
                raise ValueError("unknown token endpoint auth method %r; use %s" %
                                 (method, ", ".join(TOKEN_AUTH_METHODS)))
        if bool(tls_cert) != bool(tls_key):
            raise ValueError("TLS needs both a certificate and a key")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.groups_claim = groups_claim
        self.token_auth_methods = list(token_auth_methods)
        self.token_ttl = int(token_ttl)
        self.slow_seconds = float(slow_seconds)
        self._issuer_host = issuer_host
        self._requested_port = port
        self._tls_cert, self._tls_key = tls_cert, tls_key
        self._log = log
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._user = user or User()
        self._alg = alg
        self._misbehave = misbehave
        # Published keys, newest last; the newest of the current alg signs.
        self._keys = [SigningKey.generate("RS256"), SigningKey.generate("ES256")]
        self._codes = {}
        self._access_tokens = {}
        self._sessions = set()
        self._stats = {}
        self._server = None
        self._thread = None

    # -- lifecycle

    def start(self):
        """Binds 127.0.0.1:port (0 = any free port) and serves on a background thread.

        Raises OSError if the port is taken, RuntimeError if already started.
        """
        if self._server:
            raise RuntimeError("fake-oidc provider already started")
        context = None
        if self._tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self._tls_cert, self._tls_key)
        self._server = _Server(("127.0.0.1", self._requested_port), self, context)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-oidc",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving; a request waiting in "slow" mode is cut short."""
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def __enter__(self):
        # `with FakeOidcProvider(...).start() as p` works too.
        return self if self._server else self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def scheme(self):
        return "https" if self._tls_cert else "http"

    @property
    def url(self):
        """Where it listens: scheme://127.0.0.1:port."""
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    @property
    def issuer(self):
        """The issuer (and base of every endpoint): scheme://issuer_host:port."""
        return "%s://%s:%d" % (self.scheme, self._issuer_host, self.port)

    # -- runtime control (also reachable over HTTP under /control/)

    def set_misbehave(self, mode):
        _check_mode(mode)
        with self._lock:
            self._misbehave = mode

    @property
    def misbehave(self):
        with self._lock:
            return self._misbehave

    def set_alg(self, alg):
        _check_alg(alg)
        with self._lock:
            self._alg = alg

    def set_user(self, user):
        with self._lock:
            self._user = user

    def stats(self):
        """Request counts by endpoint, plus id_tokens_issued and sessions_reused."""
        with self._lock:
            counts = {name: 0 for name in ("discovery", "authorize", "token", "jwks", "userinfo",
                                           "id_tokens_issued", "sessions_reused")}
            counts.update(self._stats)
            return counts

    def reset_stats(self):
        with self._lock:
            self._stats.clear()

    def jwks(self):
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._keys]}

    def _count(self, name):
        with self._lock:
            self._stats[name] = self._stats.get(name, 0) + 1

    def log(self, message):
        if self._log:
            print("fake-oidc: " + message, file=self._log, flush=True)

    # -- endpoints

    def handle(self, method, path, query, headers, body):
        """Routes one request; returns a Response. Never raises on bad input."""
        routes = {
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/jwks"): self._jwks,
            ("GET", "/userinfo"): self._userinfo,
            ("POST", "/userinfo"): self._userinfo,
            ("GET", "/control/stats"): lambda *a: _json_response(200, self.stats()),
            ("POST", "/control/stats/reset"): self._control_reset_stats,
            ("GET", "/control/misbehave"): lambda *a: Response(200, (self.misbehave + "\n").encode()),
            ("POST", "/control/misbehave"): self._control_misbehave,
            ("POST", "/control/alg"): self._control_alg,
            ("POST", "/control/user"): self._control_user,
        }
        handler = routes.get((method, path))
        if handler is None:
            known = any(p == path for _, p in routes)
            return _error_page(405 if known else 404, "%s %s is not an endpoint here" % (method, path))
        return handler(query, headers, body)

    def discovery_document(self):
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "jwks_uri": issuer + "/jwks",
            "userinfo_endpoint": issuer + "/userinfo",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(ALGORITHMS),
            "token_endpoint_auth_methods_supported": list(self.token_auth_methods),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email",
                                 "email_verified", "name", self.groups_claim],
            "service_documentation": "https://postern.invalid/testing/oidc: Postern's fake OIDC "
                                     "test/demo provider, never use in production",
        }

    def _discovery(self, query, headers, body):
        self._count("discovery")
        return _json_response(200, self.discovery_document())

    def _jwks(self, query, headers, body):
        self._count("jwks")
        return _json_response(200, self.jwks())

    def _authorize(self, query, headers, body):
        self._count("authorize")
        params = _single_values(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if params is None:
            return _error_page(400, "a parameter appears more than once")
        if params.get("client_id") != self.client_id:
            return _error_page(400, "unknown client_id %r" % params.get("client_id"))
        redirect_uri = params.get("redirect_uri", "")
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            return _error_page(400, "redirect_uri %r is not registered; registered: %s" %
                               (redirect_uri, ", ".join(self.redirect_uris)))
        if urllib.parse.urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _error_page(400, "redirect_uri must be an absolute http(s) URL, got %r" %
                               redirect_uri)

        state = params.get("state")

        def refuse(error, description):
            answer = {"error": error, "error_description": description}
            if state is not None:
                answer["state"] = state
            return _redirect(_with_query(redirect_uri, answer))

        if params.get("response_type") != "code":
            return refuse("unsupported_response_type", "only response_type=code is supported")
        if "openid" not in params.get("scope", "").split():
            return refuse("invalid_scope", "scope must include openid")
        if not state:
            return refuse("invalid_request", "state is required")
        if not params.get("nonce"):
            return refuse("invalid_request", "nonce is required")
        if params.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        if not _PKCE_CHALLENGE.match(params.get("code_challenge", "")):
            return refuse("invalid_request", "code_challenge must be 43 base64url characters")
        if self.misbehave == "authorize_error":
            return refuse("access_denied", "the fake provider was told to refuse (authorize_error)")

        code = secrets.token_urlsafe(24)
        session = _cookie_value(headers.get("Cookie", ""), SESSION_COOKIE)
        with self._lock:
            self._codes[code] = {
                "client_id": params["client_id"],
                "redirect_uri": redirect_uri,
                "code_challenge": params["code_challenge"],
                "nonce": params["nonce"],
                "scope": params["scope"],
                "expires": time.time() + CODE_LIFETIME_SECONDS,
            }
            reused = session in self._sessions
            if not reused:
                session = secrets.token_urlsafe(16)
                self._sessions.add(session)
        if reused:
            self._count("sessions_reused")
        cookie = "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (SESSION_COOKIE, session)
        if self.scheme == "https":
            cookie += "; Secure"
        return _redirect(_with_query(redirect_uri, {"code": code, "state": state}),
                         {"Set-Cookie": cookie})

    def _token(self, query, headers, body):
        self._count("token")
        if self.misbehave == "slow":
            self._stopping.wait(self.slow_seconds)
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request",
                                "Content-Type must be application/x-www-form-urlencoded")
        form = _single_values(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                     keep_blank_values=True))
        if form is None:
            return _oauth_error(400, "invalid_request", "a parameter appears more than once")

        refusal = self._authenticate_client(headers.get("Authorization"), form)
        if refusal:
            return refusal
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type",
                                "only grant_type=authorization_code is supported")
        if self.misbehave == "token_error":
            return _oauth_error(400, "invalid_grant",
                                "the fake provider was told to refuse (token_error)")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None:
            return _oauth_error(400, "invalid_grant", "unknown or already used code")
        if grant["expires"] < time.time():
            return _oauth_error(400, "invalid_grant", "code expired")
        if grant["client_id"] != self.client_id:
            return _oauth_error(400, "invalid_grant", "code was issued to another client")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _oauth_error(400, "invalid_grant",
                                "redirect_uri differs from the one sent to /authorize")
        verifier = form.get("code_verifier", "")
        if not _PKCE_VERIFIER.match(verifier):
            return _oauth_error(400, "invalid_grant",
                                "code_verifier must be 43-128 unreserved characters")
        if not hmac.compare_digest(b64url(hashlib.sha256(verifier.encode()).digest()),
                                   grant["code_challenge"]):
            return _oauth_error(400, "invalid_grant", "code_verifier does not match code_challenge")

        id_token, claims = self._issue_id_token(grant["nonce"])
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[access_token] = {"claims": claims,
                                                 "expires": time.time() + self.token_ttl}
        return _json_response(200, {"access_token": access_token, "token_type": "Bearer",
                                    "expires_in": self.token_ttl, "id_token": id_token,
                                    "scope": grant["scope"]},
                              {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authenticate_client(self, authorization, form):
        """None if the client proved who it is, else the RFC 6749 error answer."""
        basic = None
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
                client_id, _, secret = decoded.partition(":")
                basic = (urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret))
            except (ValueError, UnicodeDecodeError):
                return _oauth_error(400, "invalid_request", "malformed Basic credentials")
        challenge = {"WWW-Authenticate": 'Basic realm="fake-oidc"'}
        if basic and "client_secret" in form:
            return _oauth_error(400, "invalid_request",
                                "use one client authentication method, not Basic and form both")
        if basic:
            method, (client_id, secret) = "client_secret_basic", basic
            if form.get("client_id", client_id) != client_id:
                return _oauth_error(400, "invalid_request",
                                    "client_id in the form differs from Basic credentials")
        elif "client_secret" in form:
            method, client_id, secret = "client_secret_post", form.get("client_id"), form["client_secret"]
            challenge = {}
        else:
            return _oauth_error(401, "invalid_client", "client authentication required", challenge)
        if method not in self.token_auth_methods:
            return _oauth_error(401, "invalid_client",
                                "%s is not enabled; discovery lists %s" %
                                (method, ", ".join(self.token_auth_methods)), challenge)
        if client_id != self.client_id or not hmac.compare_digest(
                (secret or "").encode(), self.client_secret.encode()):
            return _oauth_error(401, "invalid_client", "wrong client_id or client secret", challenge)
        return None

    def _issue_id_token(self, nonce):
        """Signs the id_token for the configured user, flawed as the misbehave mode says."""
        with self._lock:
            mode, user, alg = self._misbehave, self._user, self._alg
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": self.client_id,
            "iat": now,
            "exp": now + self.token_ttl,
            "auth_time": now,
            "nonce": nonce,
            "email": user.email,
            "email_verified": True,
            "name": user.name,
            self.groups_claim: list(user.groups),
        }
        if mode == "wrong_iss":
            claims["iss"] = self.issuer + "/wrong-issuer"
        elif mode == "wrong_aud":
            claims["aud"] = self.client_id + "-other"
        elif mode == "expired":
            claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
        elif mode == "missing_email":
            del claims["email"], claims["email_verified"]
        elif mode == "nonce_mismatch":
            claims["nonce"] = secrets.token_urlsafe(16)

        if mode == "alg_none":
            token = unsigned_jwt(claims)
        else:
            token = self._signing_key(mode, alg).compact_jws(
                claims, corrupt_signature=(mode == "bad_signature"))
        self._count("id_tokens_issued")
        userinfo = {k: v for k, v in claims.items()
                    if k in ("sub", "email", "email_verified", "name", self.groups_claim)}
        return token, userinfo

    def _signing_key(self, mode, alg):
        if mode == "unknown_kid":
            return SigningKey.generate(alg)
        if mode == "rotate_key":
            key = SigningKey.generate(alg)
            with self._lock:
                self._keys.append(key)
            return key
        with self._lock:
            return [key for key in self._keys if key.alg == alg][-1]

    def _userinfo(self, query, headers, body):
        self._count("userinfo")
        authorization = headers.get("Authorization", "")
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        with self._lock:
            grant = self._access_tokens.get(token)
        if grant is None or grant["expires"] < time.time():
            return _json_response(401, {"error": "invalid_token"},
                                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return _json_response(200, grant["claims"])

    def _control_misbehave(self, query, headers, body):
        mode = body.decode("utf-8", "replace").strip()
        if mode not in MISBEHAVIOURS:
            return _error_page(400, "unknown misbehave mode %r; modes: %s" %
                               (mode, ", ".join(MISBEHAVIOURS)))
        self.set_misbehave(mode)
        self.log("misbehave " + mode)
        return Response(200, ("misbehave %s\n" % mode).encode())

    def _control_alg(self, query, headers, body):
        alg = body.decode("utf-8", "replace").strip()
        if alg not in ALGORITHMS:
            return _error_page(400, "unknown alg %r; use %s" % (alg, ", ".join(ALGORITHMS)))
        self.set_alg(alg)
        return Response(200, ("alg %s\n" % alg).encode())

    def _control_user(self, query, headers, body):
        try:
            fields = json.loads(body)
            user = User(sub=str(fields["sub"]), email=str(fields.get("email", "")),
                        name=str(fields.get("name", "")),
                        groups=[str(g) for g in fields.get("groups", [])])
        except (ValueError, KeyError, TypeError) as e:
            return _error_page(400, 'want JSON {"sub", "email", "name", "groups": [...]}: %s' % e)
        self.set_user(user)
        return Response(200, b"user set\n")

    def _control_reset_stats(self, query, headers, body):
        self.reset_stats()
        return Response(200, b"stats reset\n")


def _check_mode(mode):
    if mode not in MISBEHAVIOURS:
        raise ValueError("unknown misbehave mode %r; modes: %s" % (mode, ", ".join(MISBEHAVIOURS)))


def _check_alg(alg):
    if alg not in ALGORITHMS:
        raise ValueError("unknown alg %r; use %s" % (alg, ", ".join(ALGORITHMS)))


def _cookie_value(header, name):
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, provider, tls_context):
        self.provider = provider
        self.tls_context = tls_context
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        # A client that hangs up mid-request is routine in tests, not a traceback.
        self.provider.log("connection from %s:%d ended: %s" %
                          (client_address[0], client_address[1], sys.exc_info()[1]))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-oidc-test-provider"
    timeout = 60

    def setup(self):
        # The TLS handshake runs here, on the request's own thread, so one slow
        # client cannot stall the accept loop.
        self._handshake_failed = False
        if self.server.tls_context:
            self.request.settimeout(self.timeout)
            try:
                self.request = self.server.tls_context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.server.provider.log("TLS handshake failed: %s" % e)
                self._handshake_failed = True
        super().setup()

    def handle(self):
        if not self._handshake_failed:
            super().handle()

    def finish(self):
        super().finish()
        # The server closes the socket it accepted, which wrapping detached.
        if isinstance(self.request, ssl.SSLSocket):
            self.request.close()

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            answer = _error_page(413, "request body over %d bytes" % MAX_BODY_BYTES)
            self.close_connection = True
        else:
            body = self.rfile.read(length) if length else b""
            answer = self.server.provider.handle(method, path, query, self.headers, body)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_request(self, code="-", size="-"):
        # The path only: queries carry codes and states.
        self.server.provider.log("%s %s -> %s" % (self.command, self.path.partition("?")[0], code))

    def log_message(self, format, *args):
        self.server.provider.log(format % args)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Fake OpenID Connect provider for Postern's tests and demo. "
                    "Never use it in production.")
    parser.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0: any)")
    parser.add_argument("--issuer-host", default="127.0.0.1",
                        help="host in the issuer URL and endpoints (default 127.0.0.1)")
    parser.add_argument("--client-id", default="postern")
    parser.add_argument("--client-secret", default="postern-test-secret")
    parser.add_argument("--redirect-uri", action="append", default=[],
                        help="a registered redirect URI (repeatable; none: accept any)")
    parser.add_argument("--user-sub", default=User.sub)
    parser.add_argument("--user-email", default=User.email)
    parser.add_argument("--user-name", default=User.name)
    parser.add_argument("--user-groups", default="admins,developers",
                        help="comma-separated groups ('' for none)")
    parser.add_argument("--groups-claim", default="groups", help="claim name for the groups")
    parser.add_argument("--alg", choices=ALGORITHMS, default="RS256", help="id_token signing alg")
    parser.add_argument("--misbehave", choices=list(MISBEHAVIOURS), default="none")
    parser.add_argument("--slow-seconds", type=float, default=30.0,
                        help="how long the token endpoint waits in slow mode")
    parser.add_argument("--token-auth-methods", default=",".join(TOKEN_AUTH_METHODS),
                        help="client auth methods to accept and list in discovery")
    parser.add_argument("--token-ttl", type=int, default=3600, help="id/access token lifetime (s)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", help="private key for --tls-cert (PEM)")
    parser.add_argument("--quiet", action="store_true", help="log nothing after the ready line")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    methods = [m for m in args.token_auth_methods.split(",") if m]
    if not methods or any(m not in TOKEN_AUTH_METHODS for m in methods):
        parser.error("--token-auth-methods: a comma-separated subset of " +
                     ",".join(TOKEN_AUTH_METHODS))
    args.token_auth_methods = methods
    return args


def main(argv):
    args = parse_args(argv)
    user = User(sub=args.user_sub, email=args.user_email, name=args.user_name,
                groups=[g for g in args.user_groups.split(",") if g])
    provider = FakeOidcProvider(
        port=args.port, issuer_host=args.issuer_host, client_id=args.client_id,
        client_secret=args.client_secret, redirect_uris=args.redirect_uri, user=user, alg=args.alg,
        misbehave=args.misbehave, slow_seconds=args.slow_seconds, groups_claim=args.groups_claim,
        token_auth_methods=args.token_auth_methods, token_ttl=args.token_ttl,
        tls_cert=args.tls_cert, tls_key=args.tls_key, log=None if args.quiet else sys.stderr)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        provider.start()
    except OSError as e:
        print("fake-oidc: cannot listen on 127.0.0.1:%d: %s" % (args.port, e), file=sys.stderr)
        return 1
    print("fake-oidc listening on " + provider.url, file=sys.stderr, flush=True)
    done.wait()
    provider.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
