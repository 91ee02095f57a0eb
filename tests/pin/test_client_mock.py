"""Client, auth and resolver logic on `httpx.MockTransport` (protocol unit tests).

The end-to-end behaviour is tested against a real registry in test_registry.py; these
cover the branches a real registry does not produce on demand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable

import httpx
import pytest

from defcheck.errors import AuthError, RegistryError
from defcheck.pin.auth import RegistryAuth, parse_challenge
from defcheck.pin.client import MANIFEST_ACCEPT, OCI_INDEX, OCI_MANIFEST, RegistryClient
from defcheck.pin.credentials import CredentialStore
from defcheck.pin.errors import DigestMismatch, NotFound, RegistryUnavailable
from defcheck.pin.resolver import Kind, OciQuery, Platform, Resolver

BODY = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'
DIGEST = "sha256:" + hashlib.sha256(BODY).hexdigest()
Handler = Callable[[httpx.Request], httpx.Response]


def make(handler: Handler, *, creds: list[str] | None = None, retries: int = 0) -> tuple[
    Resolver, RegistryClient, RegistryAuth, list[httpx.Request]
]:  # fmt: skip
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    auth = RegistryAuth(CredentialStore(creds or [], config_files=[], env={}))
    http = httpx.Client(transport=httpx.MockTransport(record), auth=auth)
    client = RegistryClient(http)
    return Resolver(client, retries=retries, backoff=0.01), client, auth, seen


def manifest_ok(request: httpx.Request) -> httpx.Response:
    headers = {"Docker-Content-Digest": DIGEST, "Content-Type": OCI_MANIFEST}
    return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else BODY)


def test_head_only_when_digest_header() -> None:
    resolver, client, _, seen = make(manifest_ok)
    res = resolver.resolve(OciQuery("r.example", "a/b", "1"))
    assert (res.digest, res.kind) == (DIGEST, Kind.MANIFEST)
    assert [r.method for r in seen] == ["HEAD"]
    assert seen[0].headers["Accept"] == MANIFEST_ACCEPT
    assert str(seen[0].url) == "https://r.example/v2/a/b/manifests/1"
    assert client.requests == 1


def test_loopback_and_insecure_use_http() -> None:
    client = RegistryClient(httpx.Client(), insecure_hosts=["reg.lan:5000"])
    assert client.scheme_for("localhost:5000") == "http"
    assert client.scheme_for("127.0.0.1") == "http"
    assert client.scheme_for("reg.lan:5000") == "http"
    assert client.scheme_for("reg.lan") == "https"
    assert client.scheme_for("ghcr.io") == "https"


def test_get_and_hash_without_digest_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": OCI_MANIFEST},
                              content=b"" if request.method == "HEAD" else BODY)  # fmt: skip

    resolver, _, _, seen = make(handler)
    assert resolver.resolve(OciQuery("r.example", "a", "1")).digest == DIGEST
    assert [r.method for r in seen] == ["HEAD", "GET"]


def test_body_hash_mismatch_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "HEAD":
            return httpx.Response(405)
        return httpx.Response(
            200, content=BODY, headers={"Docker-Content-Digest": "sha256:" + "0" * 64}
        )

    resolver, _, _, _ = make(handler)
    with pytest.raises(DigestMismatch, match="hashes to"):
        resolver.resolve(OciQuery("r.example", "a", "1"))


def test_not_found() -> None:
    resolver, _, _, _ = make(lambda r: httpx.Response(404))
    with pytest.raises(NotFound):
        resolver.resolve(OciQuery("r.example", "a", "1"))


def test_retries_5xx_then_succeeds() -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(503) if calls["n"] < 3 else manifest_ok(request)

    resolver, _, _, _ = make(handler, retries=3)
    assert resolver.resolve(OciQuery("r.example", "a", "1")).digest == DIGEST
    assert calls["n"] == 3


def test_429_honours_retry_after_then_gives_up() -> None:
    resolver, _, _, seen = make(lambda r: httpx.Response(429, headers={"Retry-After": "1"}),
                                retries=1)  # fmt: skip
    start = time.monotonic()
    with pytest.raises(RegistryUnavailable, match=r"registry unavailable.*429"):
        resolver.resolve(OciQuery("r.example", "a", "1"))
    assert time.monotonic() - start >= 0.9
    assert len(seen) == 2


def test_retry_after_too_long_fails_fast() -> None:
    resolver, _, _, seen = make(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}),
                                retries=3)  # fmt: skip
    with pytest.raises(RegistryUnavailable, match="3600"):
        resolver.resolve(OciQuery("r.example", "a", "1"))
    assert len(seen) == 1


def test_timeout_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    resolver, _, _, _ = make(handler)
    with pytest.raises(RegistryUnavailable, match="timed out"):
        resolver.resolve(OciQuery("r.example", "a", "1"))


def bearer_registry(*, private: bool = False, realm: str = "https://auth.example/token") -> tuple[
    Handler, dict[str, int]
]:  # fmt: skip
    counts = {"token": 0, "registry": 0}
    good = "Basic " + base64.b64encode(b"alice:pw").decode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            counts["token"] += 1
            authz = request.headers.get("Authorization")
            if authz and authz != good:
                return httpx.Response(401)
            scope = request.url.params["scope"]
            tok = f"tok-{scope}-{'user' if authz else 'anon'}"
            return httpx.Response(200, json={"token": tok, "expires_in": 300})
        counts["registry"] += 1
        scope = f"repository:{request.url.path.split('/manifests/')[0][4:]}:pull"
        authz = request.headers.get("Authorization", "")
        ok = authz == f"Bearer tok-{scope}-user" or (
            not private and authz == f"Bearer tok-{scope}-anon"
        )
        if not ok:
            challenge = f'Bearer realm="{realm}",service="reg",scope="{scope}"'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return manifest_ok(request)

    return handler, counts


def test_bearer_flow_caches_token_per_scope() -> None:
    handler, counts = bearer_registry()
    resolver, _, auth, seen = make(handler)
    for tag in ("1", "2", "3"):
        resolver.resolve(OciQuery("r.example", "a/b", tag))
    resolver.resolve(OciQuery("r.example", "other", "1"))
    assert counts["token"] == 2  # one per repository scope
    assert auth.token_requests == 2
    token_req = next(r for r in seen if r.url.path == "/token")
    assert token_req.url.params["service"] == "reg"
    assert "Authorization" not in token_req.headers  # anonymous: no credentials configured


def test_bearer_private_needs_credentials() -> None:
    handler, _ = bearer_registry(private=True)
    resolver, _, _, _ = make(handler)
    with pytest.raises(AuthError, match="authentication required"):
        resolver.resolve(OciQuery("r.example", "a", "1"))
    resolver, _, _, _ = make(handler, creds=["r.example=alice:pw"])
    assert resolver.resolve(OciQuery("r.example", "a", "1")).digest == DIGEST
    resolver, _, _, _ = make(handler, creds=["r.example=alice:wrong"])
    with pytest.raises(AuthError, match="rejected"):
        resolver.resolve(OciQuery("r.example", "a", "1"))


def test_credentials_not_sent_to_plain_http_realm_on_other_host() -> None:
    handler, _ = bearer_registry(realm="http://evil.example/token")
    resolver, _, _, seen = make(handler, creds=["r.example=alice:pw"])
    resolver.resolve(OciQuery("r.example", "a", "1"))  # anonymous token is enough here
    token_requests = [r for r in seen if r.url.host == "evil.example"]
    assert token_requests and all("Authorization" not in r.headers for r in token_requests)


def test_credentials_only_for_their_host() -> None:
    handler, _ = bearer_registry(private=True)
    resolver, _, _, seen = make(handler, creds=["other.example=alice:pw"])
    with pytest.raises(AuthError):
        resolver.resolve(OciQuery("r.example", "a", "1"))
    assert not any(r.headers.get("Authorization", "").startswith("Basic") for r in seen)


def test_basic_auth_and_token_not_in_messages() -> None:
    good = "Basic " + base64.b64encode(b"alice:pw").decode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != good:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
        return manifest_ok(request)

    resolver, _, _, seen = make(handler, creds=["r.example=alice:pw"])
    resolver.resolve(OciQuery("r.example", "a", "1"))
    resolver.resolve(OciQuery("r.example", "a", "2"))
    assert len(seen) == 3  # challenge once, then Basic is sent up front
    resolver, _, _, _ = make(handler, creds=["r.example=alice:bad"])
    with pytest.raises(AuthError) as info:
        resolver.resolve(OciQuery("r.example", "a", "1"))
    assert "bad" not in str(info.value) and "alice" not in str(info.value)


def index_registry(children: dict[str, dict[str, str]]) -> Handler:
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": d, "size": 1, "platform": p}
        for d, p in children.items()]}).encode()  # fmt: skip
    idx_digest = "sha256:" + hashlib.sha256(index).hexdigest()

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Docker-Content-Digest": idx_digest, "Content-Type": OCI_INDEX}
        return httpx.Response(
            200, headers=headers, content=b"" if request.method == "HEAD" else index
        )

    return handler


def test_index_platform_selection() -> None:
    amd, arm = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    amd_p = {"os": "linux", "architecture": "amd64"}
    arm_p = {"os": "linux", "architecture": "arm64", "variant": "v8"}
    handler = index_registry({amd: amd_p, arm: arm_p})
    resolver, _, _, _ = make(handler)
    assert resolver.resolve(OciQuery("r", "a", "1")).kind is Kind.INDEX
    res = resolver.resolve(OciQuery("r", "a", "1", platform=Platform.parse("linux/arm64")))
    assert (res.digest, res.kind, res.platform) == (arm, Kind.PLATFORM, "linux/arm64/v8")
    # an existing per-platform pin that is still in the index stays per-platform
    res = resolver.resolve(OciQuery("r", "a", "1", previous=arm))
    assert (res.digest, res.kind) == (arm, Kind.PLATFORM)
    with pytest.raises(NotFound, match="s390x"):
        resolver.resolve(OciQuery("r", "a", "1", platform=Platform.parse("s390x")))


def test_parse_challenge() -> None:
    c = parse_challenge('Bearer realm="https://a/t",service="s",scope="repository:x/y:pull,push"')
    assert c is not None and c.scheme == "bearer"
    assert c.params == {"realm": "https://a/t", "service": "s", "scope": "repository:x/y:pull,push"}
    assert parse_challenge("") is None


def test_resolve_all_dedups_and_reports_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404) if "missing" in request.url.path else manifest_ok(request)

    resolver, _, _, seen = make(handler)
    queries = [OciQuery("r", "a", "1")] * 5 + [OciQuery("r", "missing", "1")]
    results = resolver.resolve_all(queries)
    assert len(results) == 2 and len(seen) == 2
    assert isinstance(results[OciQuery("r", "missing", "1")], RegistryError)


def test_defpin_client_keeps_no_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like Docker and skopeo, defpin's client neither stores nor sends cookies."""
    from defcheck.pin import client as client_mod

    seen: list[httpx.Request] = []

    def handle(self: object, request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Set-Cookie": "sid=1; Path=/"})

    monkeypatch.setattr(client_mod.LazyTLSTransport, "handle_request", handle)
    with client_mod.new_http_client(timeout=5, auth=None, concurrency=1) as http:
        http.get("http://127.0.0.1:1/v2/")
        http.get("http://127.0.0.1:1/v2/")
        assert "cookie" not in seen[1].headers
        assert not http.cookies
