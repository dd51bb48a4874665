"""A tiny OpenID Connect relying party that checks the test providers from outside.

It does what Postern's proxy will do, written independently of the fake
provider's signing code, so a test can show that a provider behaves (or
misbehaves) the way the proxy's tests will rely on:

    rp = RelyingParty(issuer, "postern", "postern-test-secret", "http://127.0.0.1:9/cb")
    login = rp.begin()                          # fresh state, nonce, PKCE verifier
    params = rp.authorize(login)                # {"code": ..., "state": ...} from the redirect
    status, tokens = rp.exchange(params["code"], login)
    verdict = rp.check_id_token(tokens["id_token"], login.nonce)
    assert verdict.problems == []               # else e.g. ["iss"] or ["signature"]

Every id_token check runs, so a flawed token names all its flaws at once.
Needs python3-cryptography.
"""

import base64
import dataclasses
import hashlib
import http.client
import json
import secrets
import ssl
import time
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# The algorithms the proxy pins; anything else in a header is refused.
PINNED_ALGS = {"RS256": "RSA", "ES256": "EC"}
LEEWAY_SECONDS = 60


@dataclasses.dataclass
class HttpAnswer:
    status: int
    headers: object  # http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


def http_request(url, method="GET", headers=None, body=None, ca_file=None, timeout=10):
    """One HTTP(S) exchange, redirects not followed."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=ca_file)
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return HttpAnswer(response.status, response.headers, response.read())
    finally:
        conn.close()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(text):
    return int.from_bytes(b64url_decode(text), "big")


@dataclasses.dataclass
class Login:
    """One sign-in in progress: what the relying party must remember until the callback."""
    state: str
    nonce: str
    code_verifier: str
    authorize_url: str


@dataclasses.dataclass
class Verdict:
    header: dict
    claims: dict
    problems: list
    refetched_jwks: bool = False


class RelyingParty:
    def __init__(self, issuer, client_id, client_secret, redirect_uri, ca_file=None,
                 scope="openid email profile"):
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.ca_file = ca_file
        self.scope = scope
        self.discovery = None
        self._keys = {}

    def discover(self):
        """Fetches the discovery document; raises if its issuer is not ours."""
        answer = http_request(self.issuer + "/.well-known/openid-configuration",
                              ca_file=self.ca_file)
        if answer.status != 200:
            raise AssertionError("discovery answered %d: %r" % (answer.status, answer.body))
        self.discovery = answer.json()
        if self.discovery.get("issuer") != self.issuer:
            raise AssertionError("discovery issuer %r is not %r" %
                                 (self.discovery.get("issuer"), self.issuer))
        return self.discovery

    @property
    def token_auth_method(self):
        """client_secret_post only when that is all the provider lists, as the proxy decides."""
        listed = (self.discovery or {}).get("token_endpoint_auth_methods_supported")
        return "client_secret_post" if listed == ["client_secret_post"] else "client_secret_basic"

    def begin(self, **extra_params):
        """A fresh Login; extra_params override or (with value None) drop authorize parameters."""
        if self.discovery is None:
            self.discover()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": self.scope,
            "redirect_uri": self.redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        params.update(extra_params)
        params = {k: v for k, v in params.items() if v is not None}
        url = self.discovery["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)
        return Login(state, nonce, verifier, url)

    def authorize(self, login, cookie=None):
        """Visits the authorize URL; returns the query of the redirect back to redirect_uri."""
        headers = {"Cookie": cookie} if cookie else {}
        answer = http_request(login.authorize_url, headers=headers, ca_file=self.ca_file)
        location = answer.headers.get("Location", "")
        if answer.status not in (302, 303) or not location.startswith(self.redirect_uri):
            raise AssertionError("authorize answered %d, Location %r: %r" %
                                 (answer.status, location, answer.body))
        query = urllib.parse.urlsplit(location).query
        params = dict(urllib.parse.parse_qsl(query))
        params["_set_cookie"] = answer.headers.get("Set-Cookie")
        return params

    def exchange(self, code, login, method=None, verifier=None, redirect_uri=None, secret=None,
                 timeout=10):
        """Redeems a code at the token endpoint; returns (status, parsed JSON or raw body)."""
        method = method or self.token_auth_method
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or self.redirect_uri,
            "code_verifier": verifier or login.code_verifier,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        secret = self.client_secret if secret is None else secret
        if method == "client_secret_basic":
            pair = "%s:%s" % (urllib.parse.quote_plus(self.client_id),
                              urllib.parse.quote_plus(secret))
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif method == "client_secret_post":
            form.update(client_id=self.client_id, client_secret=secret)
        answer = http_request(self.discovery["token_endpoint"], "POST", headers,
                              urllib.parse.urlencode(form), self.ca_file, timeout)
        try:
            return answer.status, answer.json()
        except ValueError:
            return answer.status, answer.body

    def userinfo(self, access_token):
        answer = http_request(self.discovery["userinfo_endpoint"],
                              headers={"Authorization": "Bearer " + access_token},
                              ca_file=self.ca_file)
        return answer.status, (answer.json() if answer.status == 200 else answer.body)

    def fetch_jwks(self):
        answer = http_request(self.discovery["jwks_uri"], ca_file=self.ca_file)
        if answer.status != 200:
            raise AssertionError("jwks answered %d" % answer.status)
        self._keys = {jwk.get("kid"): jwk for jwk in answer.json()["keys"]}
        return self._keys

    def check_id_token(self, token, nonce, now=None):
        """Runs every check the proxy must run; Verdict.problems names each that failed.

        Problems: "malformed", "alg" (not RS256/ES256), "kid" (not in the JWKS,
        even after one refetch), "signature", "iss", "aud", "exp", "iat", "nonce".
        """
        now = time.time() if now is None else now
        try:
            header_part, claims_part, signature_part = token.split(".")
            header = json.loads(b64url_decode(header_part))
            claims = json.loads(b64url_decode(claims_part))
            signature = b64url_decode(signature_part)
        except (ValueError, AttributeError):
            return Verdict({}, {}, ["malformed"])
        verdict = Verdict(header, claims, [])
        alg = header.get("alg")
        if alg not in PINNED_ALGS:
            verdict.problems.append("alg")
        else:
            kid = header.get("kid")
            if kid not in self._keys:
                self.fetch_jwks()
                verdict.refetched_jwks = True
            jwk = self._keys.get(kid)
            if jwk is None:
                verdict.problems.append("kid")
            elif not _signature_ok(jwk, alg, (header_part + "." + claims_part).encode(), signature):
                verdict.problems.append("signature")
        if claims.get("iss") != self.issuer:
            verdict.problems.append("iss")
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if self.client_id not in audiences:
            verdict.problems.append("aud")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] + LEEWAY_SECONDS < now:
            verdict.problems.append("exp")
        if not isinstance(claims.get("iat"), (int, float)) or claims["iat"] - LEEWAY_SECONDS > now:
            verdict.problems.append("iat")
        if claims.get("nonce") != nonce:
            verdict.problems.append("nonce")
        return verdict


def _signature_ok(jwk, alg, signing_input, signature):
    """Verifies with the JWK only if its kty and alg agree with the pinned header alg."""
    if jwk.get("kty") != PINNED_ALGS[alg] or jwk.get("alg", alg) != alg:
        return False
    try:
        if alg == "RS256":
            key = rsa.RSAPublicNumbers(_uint(jwk["e"]), _uint(jwk["n"])).public_key()
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        else:
            if jwk.get("crv") != "P-256" or len(signature) != 64:
                return False
            key = ec.EllipticCurvePublicNumbers(_uint(jwk["x"]), _uint(jwk["y"]),
                                                ec.SECP256R1()).public_key()
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                       int.from_bytes(signature[32:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, KeyError, ValueError):
        return False
