"""A small test server for the container library API (there is no installable one).

Implements the one endpoint defpin uses, as documented for the Sylabs library API:
`GET /v1/images/<entity>/<collection>/<container>:<tag>?arch=<arch>` ->
`200 {"data": {"hash": "sha256.<hex>", "arch": ..., ...}}`, `404 {"error": ...}` for
unknown images; with `token` set, requests without `Authorization: Bearer <token>` get
401. `images` maps `(path, tag, arch)` to a hash; `requests` records the paths asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

from tests.support.loopback import serve, shutdown


@dataclass
class LibraryServer:
    """See the module docstring."""

    images: dict[tuple[str, str, str], str] = field(default_factory=dict)
    token: str | None = None
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LibraryServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._server = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    def stop(self) -> None:
        shutdown(self._server)
        self._server = None

    def __enter__(self) -> LibraryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server_owner: LibraryServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _json(self, status: int, obj: object) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        owner = self.server_owner
        url = urlparse(self.path)
        owner.requests.append((url.path, self.headers.get("Authorization")))
        if owner.token and self.headers.get("Authorization") != f"Bearer {owner.token}":
            self._json(401, {"error": {"code": 401, "message": "Unauthorized"}})
            return
        if not url.path.startswith("/v1/images/"):
            self._json(404, {"error": {"code": 404, "message": "Not Found"}})
            return
        ref = unquote(url.path[len("/v1/images/") :])
        path, _, tag = ref.rpartition(":")
        arch = (parse_qs(url.query).get("arch") or ["amd64"])[0]
        image_hash = owner.images.get((path, tag, arch))
        if image_hash is None:
            self._json(404, {"error": {"code": 404, "message": "image not found"}})
            return
        entity, collection, container = path.split("/")
        self._json(200, {"data": {
            "hash": image_hash, "arch": arch, "tags": [tag],
            "entityName": entity, "collectionName": collection, "containerName": container,
        }})  # fmt: skip
