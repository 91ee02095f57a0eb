"""The OCI distribution API client: the only module of defpin that speaks HTTP.

`RegistryClient` wraps an `httpx.Client` (tests pass one built on
`httpx.MockTransport`). Every httpx or OS error becomes a `PinError` subclass in
`map_http_errors`, chained with `from exc`.

>>> import httpx
>>> def handler(request):
...     digest = "sha256:" + "0" * 64
...     return httpx.Response(200, headers={"Docker-Content-Digest": digest,
...                                         "Content-Type": OCI_MANIFEST})
>>> client = RegistryClient(httpx.Client(transport=httpx.MockTransport(handler)))
>>> client.head_manifest(Repo("https", "r.example", "a/b"), "1.0").digest[:9]
'sha256:00'
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.cookiejar
import json
import ssl
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache

if "httpx" not in sys.modules:
    # NOTE: httpx imports its command-line tool (click, rich, pygments) only to export
    # `httpx.main`; blocking that submodule saves ~40% of defpin's start-up (measured
    # with -X importtime) and httpx falls back to a stub `main` by design.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx

from defcheck.errors import AuthError, RegistryError
from defcheck.pin.errors import DigestMismatch, NotFound, RegistryUnavailable
from defcheck.pin.reference import is_loopback, split_host_port
from defcheck.refs import is_sha256_digest
from defcheck.syntax.record import record

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
#: Always send all four: distribution 2.8 answers 404 for OCI content without a matching
#: Accept and downgrades Docker lists to one child (different digest).
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
USER_AGENT = "defpin (defcheck)"
_UA_ONLY = {"User-Agent": USER_AGENT}


@record
class Repo:
    """A repository on a registry: URL scheme, `host[:port]` and repository path."""

    scheme: str
    host: str
    name: str

    def url(self, kind: str, reference: str) -> str:
        """`<scheme>://<host>/v2/<name>/<kind>/<reference>`."""
        return f"{self.scheme}://{self.host}/v2/{self.name}/{kind}/{reference}"


@record
class Manifest:
    """A manifest's digest and media type; `body` when it was fetched with GET."""

    digest: str
    media_type: str
    body: bytes | None = None

    @property
    def is_index(self) -> bool:
        """True for an OCI image index or a Docker manifest list."""
        return self.media_type in INDEX_TYPES

    def json(self) -> dict[str, object]:
        """The parsed body (GET only)."""
        if self.body is None:
            raise RegistryError("manifest body was not fetched")
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise RegistryError(f"manifest {self.digest} is not a JSON object")
        return data


def sha256_digest(data: bytes) -> str:
    """`sha256:<hex>` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a `Retry-After` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@contextlib.contextmanager
def map_http_errors(what: str) -> Iterator[None]:
    """Turn httpx and OS errors into `RegistryUnavailable` (retryable) or `RegistryError`."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise RegistryUnavailable(f"{what}: timed out") from exc
    except httpx.TransportError as exc:
        raise RegistryUnavailable(f"{what}: {_reason(exc)}") from exc
    except httpx.HTTPError as exc:  # pragma: no cover - remaining httpx errors
        raise RegistryError(f"{what}: {_reason(exc)}") from exc
    except OSError as exc:  # pragma: no cover - raised below httpx on some platforms
        raise RegistryUnavailable(f"{what}: {exc.strerror or exc}") from exc


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        text = str(exc) or "connection failed"
        return f"cannot connect ({text})" if "refused" not in text.lower() else "connection refused"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "connection closed or reset by the registry"
    return str(exc) or type(exc).__name__


def _error_detail(response: httpx.Response) -> str:
    try:
        data = json.loads(response.content)
        first = data["errors"][0]
        return f"{first.get('code', '')}: {first.get('message', '')}".strip(": ")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, httpx.ResponseNotRead):
        return ""


def check_status(response: httpx.Response, what: str) -> None:
    """Raise the `PinError` matching a non-200 answer."""
    status = response.status_code
    if status == 200:
        return
    detail = _error_detail(response) if response.request.method != "HEAD" else ""
    suffix = f" ({detail})" if detail else ""
    if status == 404:
        raise NotFound(f"{what}: not found{suffix}")
    if status in (401, 403):
        raise AuthError(f"{what}: access denied (HTTP {status}){suffix}")
    if status == 429:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        raise RegistryUnavailable(f"{what}: rate limited (HTTP 429)", retry_after=wait)
    if status >= 500:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        raise RegistryUnavailable(f"{what}: registry error HTTP {status}{suffix}", retry_after=wait)
    raise RegistryError(f"{what}: unexpected HTTP {status}{suffix}")


class RegistryClient:
    """Read-only client of the OCI distribution API (manifests and blobs)."""

    def __init__(self, http: httpx.Client, *, insecure_hosts: Iterable[str] = ()) -> None:
        self.http = http
        self._insecure = {h.lower() for h in insecure_hosts}
        self._schemes: dict[str, str] = {}  # scheme_for's answers (hosts repeat)
        self._lock = threading.Lock()
        self.requests = 0

    def scheme_for(self, host: str) -> str:
        """https always; plain http only for loopback or hosts listed as insecure."""
        scheme = self._schemes.get(host)
        if scheme is None:
            name, _ = split_host_port(host)
            insecure = host.lower() in self._insecure or name.lower() in self._insecure
            scheme = "http" if is_loopback(name) or insecure else "https"
            self._schemes[host] = scheme
        return scheme

    def repo(self, host: str, name: str) -> Repo:
        """A `Repo` with the scheme chosen for `host`."""
        return Repo(self.scheme_for(host), host, name)

    def _send(self, method: str, url: str, accept: str | None, what: str) -> httpx.Response:
        headers = {"User-Agent": USER_AGENT, "Accept": accept} if accept else _UA_ONLY
        with map_http_errors(what):
            response = self.http.request(method, url, headers=headers)
        with self._lock:
            self.requests += 1
        return response

    def head_manifest(self, repo: Repo, reference: str) -> Manifest:
        """Digest and media type of a tag or digest; HEAD, else GET and hash the body."""
        what = f"{repo.host}/{repo.name}:{reference}"
        response = self._send("HEAD", repo.url("manifests", reference), MANIFEST_ACCEPT, what)
        if response.status_code == 200:
            digest = response.headers.get("docker-content-digest", "")
            media_type = _media_type(response)
            if is_sha256_digest(digest) and media_type:
                if is_sha256_digest(reference) and digest != reference:
                    raise DigestMismatch(f"{what}: registry answered for {digest}")
                return Manifest(digest, media_type)
        elif response.status_code not in (405, 400):
            check_status(response, what)
        return self.get_manifest(repo, reference)

    def get_manifest(self, repo: Repo, reference: str) -> Manifest:
        """GET a manifest and verify that its body hashes to its digest."""
        what = f"{repo.host}/{repo.name}:{reference}"
        response = self._send("GET", repo.url("manifests", reference), MANIFEST_ACCEPT, what)
        check_status(response, what)
        body = response.content
        digest = sha256_digest(body)
        served = response.headers.get("docker-content-digest")
        if served and served != digest:
            raise DigestMismatch(
                f"{what}: manifest body hashes to {digest}, registry says {served}"
            )
        if is_sha256_digest(reference) and reference != digest:
            raise DigestMismatch(f"{what}: manifest body hashes to {digest}")
        media_type = _media_type(response) or _body_media_type(body)
        return Manifest(digest, media_type, body)

    def get_blob(self, repo: Repo, digest: str) -> bytes:
        """GET a blob (e.g. an image config) and verify its digest."""
        what = f"{repo.host}/{repo.name}@{digest}"
        response = self._send("GET", repo.url("blobs", digest), None, what)
        check_status(response, what)
        body = response.content
        if sha256_digest(body) != digest:
            raise DigestMismatch(f"{what}: blob body hashes to {sha256_digest(body)}")
        return body


def _media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";", 1)[0].strip()


def _body_media_type(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    value = data.get("mediaType", "") if isinstance(data, dict) else ""
    return value if isinstance(value, str) else ""


def new_http_client(*, timeout: float, auth: httpx.Auth | None, concurrency: int) -> httpx.Client:
    """The httpx client defpin uses: TLS verified, redirects followed, bounded pool.

    httpx drops `Authorization` on redirects to another origin, so credentials never
    follow a redirect to a blob store. Proxies from the environment still apply.
    Cookies are not kept (`NoCookies`).
    """
    limits = httpx.Limits(max_connections=max(concurrency, 1) * 2, max_keepalive_connections=32)
    return httpx.Client(
        transport=LazyTLSTransport(limits),
        timeout=httpx.Timeout(timeout),
        auth=auth,
        follow_redirects=True,
        trust_env=True,
        cookies=NoCookies(),
    )


class NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing.

    The distribution and library APIs do not use cookies, and neither Docker nor skopeo
    keeps them (Go's HTTP client has no jar unless given one). httpx's jar would turn
    every response's headers into an `email.message.Message` to look for `Set-Cookie`.
    """

    def extract_cookies(self, response: object, request: object) -> None:
        """Ignore `Set-Cookie`."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        """Keep nothing."""


class LazyTLSTransport(httpx.BaseTransport):
    """Route http and https to two pools; build the TLS one on the first https request.

    Loading the CA bundle costs more than resolving dozens of references on a loopback
    registry, and a run against http-only registries never needs it.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._pools: dict[bool, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()

    def _pool(self, tls: bool) -> httpx.HTTPTransport:
        with self._lock:
            pool = self._pools.get(tls)
            if pool is None:
                # NOTE: the plain pool never handshakes; its context has no CA loaded
                # and requires verification, so it would fail closed if it ever did.
                context = _ssl_context() if tls else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                pool = httpx.HTTPTransport(verify=context, limits=self._limits)
                self._pools[tls] = pool
            return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the pool for its scheme."""
        return self._pool(request.url.scheme == "https").handle_request(request)

    def close(self) -> None:
        """Close both pools."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle is slow)."""
    return httpx.create_ssl_context()
