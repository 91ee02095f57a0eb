"""Registry authentication as an `httpx.Auth`: Basic and the Bearer token flow.

The flow (Docker registry token spec): send the request; on `401` read the
`WWW-Authenticate` challenge. `Basic` -> resend with the host's credentials. `Bearer
realm=...,service=...,scope=...` -> fetch a token from the realm (anonymously, or with
the host's credentials as Basic auth), cache it per registry and scope until it expires,
resend with `Authorization: Bearer <token>`. The token request is yielded from the flow,
so it travels through the same client, transport and timeouts.

Credentials go only to the registry host they are stored for and to the token realm
that host's challenge names when that realm is https or on the same host (or both are
loopback); tokens and credentials never appear in messages or logs.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Generator

import httpx

from defcheck.errors import AuthError, RegistryError
from defcheck.pin.credentials import Credentials, CredentialStore
from defcheck.pin.errors import RegistryUnavailable
from defcheck.pin.reference import is_loopback, split_host_port
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record

_PARAM = lazy_compile(r'\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')
_REPO_PATH = lazy_compile(r"^/v2/(.+)/(?:manifests|blobs|tags)/[^/]+$")


@record
class Challenge:
    """A parsed `WWW-Authenticate` header: scheme (lower-case) and parameters."""

    scheme: str
    params: dict[str, str]


def parse_challenge(header: str) -> Challenge | None:
    """Parse the first challenge of a `WWW-Authenticate` header.

    >>> parse_challenge('Bearer realm="https://a/token",service="reg"').params["service"]
    'reg'
    """
    header = header.strip()
    if not header:
        return None
    scheme, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if not match or match.end() == pos:
            break
        value = match.group(2) if match.group(2) is not None else match.group(3) or ""
        params[match.group(1).lower()] = re.sub(r"\\(.)", r"\1", value)
        pos = match.end()
    return Challenge(scheme.lower(), params)


def scope_for(request: httpx.Request) -> str | None:
    """`repository:<name>:pull` for a distribution API path, else None."""
    match = _REPO_PATH.match(request.url.path)
    return f"repository:{match.group(1)}:pull" if match else None


def basic_header(creds: Credentials) -> str:
    """The `Authorization` value for HTTP Basic."""
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _same_trust(registry_host: str, realm: httpx.URL) -> bool:
    """May the registry's credentials be sent to this token realm?"""
    if realm.scheme == "https":
        return True
    reg_host, _ = split_host_port(registry_host)
    realm_host = realm.host
    if realm_host == reg_host:
        return True
    return is_loopback(reg_host) and is_loopback(realm_host)


class RegistryAuth(httpx.Auth):
    """Basic and Bearer auth for distribution registries, with a token cache."""

    requires_response_body = True

    def __init__(self, credentials: CredentialStore | None = None) -> None:
        self._credentials = credentials
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._basic_hosts: set[str] = set()
        self._lock = threading.Lock()
        self.token_requests = 0

    def _creds(self, host: str) -> Credentials | None:
        return self._credentials.get(host) if self._credentials else None

    def _cached_token(self, host: str, scope: str) -> str | None:
        with self._lock:
            entry = self._tokens.get((host, scope))
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send `request`, answering one Basic or Bearer challenge if needed."""
        host = request.url.netloc.decode("ascii")
        scope = scope_for(request) or ""
        token = self._cached_token(host, scope)
        creds = self._creds(host)
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        elif creds is not None and host in self._basic_hosts:
            request.headers["Authorization"] = basic_header(creds)
        response = yield request
        if response.status_code != 401:
            return
        challenge = parse_challenge(response.headers.get("www-authenticate", ""))
        if challenge is None:
            raise AuthError(f"{host}: 401 Unauthorized without an authentication challenge")
        if challenge.scheme == "basic":
            if creds is None:
                raise AuthError(_need_login(host))
            request.headers["Authorization"] = basic_header(creds)
            with self._lock:
                self._basic_hosts.add(host)
        elif challenge.scheme == "bearer":
            token = yield from self._fetch_token(host, challenge, scope, creds)
            request.headers["Authorization"] = f"Bearer {token}"
        else:
            raise AuthError(f"{host}: unsupported authentication scheme `{challenge.scheme}`")
        response = yield request
        if response.status_code == 401:
            if creds is None:
                raise AuthError(_need_login(host))
            raise AuthError(
                f"{host}: access denied with the credentials from {creds.source or 'config'} "
                "(wrong user or password, or no pull access to this repository)"
            )

    def _fetch_token(
        self, host: str, challenge: Challenge, scope: str, creds: Credentials | None
    ) -> Generator[httpx.Request, httpx.Response, str]:
        realm = challenge.params.get("realm")
        if not realm:
            raise AuthError(f"{host}: Bearer challenge without a realm")
        try:
            realm_url = httpx.URL(realm)
        except httpx.InvalidURL:
            raise AuthError(f"{host}: invalid token realm in challenge") from None
        if realm_url.scheme not in ("http", "https"):
            raise AuthError(f"{host}: invalid token realm in challenge")
        params: dict[str, str] = {}
        if "service" in challenge.params:
            params["service"] = challenge.params["service"]
        wanted = challenge.params.get("scope") or scope
        if wanted:
            params["scope"] = wanted
        headers = {}
        if creds is not None and _same_trust(host, realm_url):
            headers["Authorization"] = basic_header(creds)
        token_request = httpx.Request("GET", realm_url.copy_merge_params(params), headers=headers)
        with self._lock:
            self.token_requests += 1
        response = yield token_request
        status = response.status_code
        if status in (401, 403):
            if creds is None:
                raise AuthError(_need_login(host))
            raise AuthError(f"{host}: token server rejected the credentials from {creds.source}")
        if status == 429 or status >= 500:
            raise RegistryUnavailable(f"{host}: token server answered HTTP {status}")
        if status != 200:
            raise RegistryError(f"{host}: token server answered HTTP {status}")
        try:
            data = json.loads(response.content)
            token = data.get("token") or data.get("access_token")
            expires = float(data.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            raise RegistryError(f"{host}: token server sent an invalid answer") from None
        if not isinstance(token, str) or not token:
            raise RegistryError(f"{host}: token server sent no token")
        with self._lock:
            # Renew a little early so a token does not expire in flight.
            self._tokens[(host, scope)] = (token, time.monotonic() + max(expires - 10, 5))
        return token


def _need_login(host: str) -> str:
    return (
        f"{host}: authentication required; add credentials with `--creds {host}=USER:PASSWORD`, "
        "DEFPIN_CREDS, or `apptainer registry login` / `docker login`"
    )
