"""Client of the container library API (Sylabs Cloud library protocol).

`GET <library>/v1/images/<entity>/<collection>/<container>:<tag>?arch=<arch>` with an
optional `Authorization: Bearer <token>` answers `{"data": {"hash": "sha256.<hex>",
...}}`. Apptainer has no default library, so the URL must come from the reference
(`library://host/...`), the `Library:` header, `--library-url` or `DEFPIN_LIBRARY_URL`.
A token is bound to one library host (`host[:port]`) and only sent there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from urllib.parse import quote

import httpx

from defcheck.errors import RegistryError
from defcheck.pin.client import check_status, map_http_errors
from defcheck.pin.errors import NotFound
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record

_HASH = lazy_compile(r"(?:sha256\.[0-9a-f]{64}|sif\.[0-9a-fA-F-]{36})\Z")


@record
class LibraryImage:
    """What the library says about one image: its hash and architecture."""

    hash: str
    arch: str


class LibraryClient:
    """Resolve library tags to image hashes."""

    def __init__(self, http: httpx.Client, *, tokens: Mapping[str, str] | None = None) -> None:
        self.http = http
        self._tokens = dict(tokens or {})
        self._lock = threading.Lock()
        self.requests = 0

    def get_image(self, base_url: str, path: str, tag: str, *, arch: str) -> LibraryImage:
        """Look up `path:tag` for `arch` on the library at `base_url`."""
        base = base_url.rstrip("/")
        url = f"{base}/v1/images/{quote(path)}:{quote(tag)}"
        what = f"library {httpx.URL(base).host}: {path}:{tag} ({arch})"
        headers = {"Accept": "application/json"}
        token = self._tokens.get(httpx.URL(base).netloc.decode("ascii").lower())
        if token:
            headers["Authorization"] = f"Bearer {token}"
        with map_http_errors(what):
            response = self.http.get(url, params={"arch": arch}, headers=headers)
        with self._lock:
            self.requests += 1
        if response.status_code == 404:
            raise NotFound(f"{what}: not found")
        check_status(response, what)
        try:
            data = json.loads(response.content)["data"]
            image_hash = data["hash"]
        except (ValueError, KeyError, TypeError):
            raise RegistryError(f"{what}: library sent an invalid answer") from None
        if not isinstance(image_hash, str) or not _HASH.match(image_hash):
            raise RegistryError(f"{what}: library sent an invalid image hash")
        image_arch = data.get("arch") if isinstance(data, dict) else None
        return LibraryImage(image_hash, image_arch if isinstance(image_arch, str) else arch)
