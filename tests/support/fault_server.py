"""A fault-injecting HTTP server for registry clients, on loopback, in a thread.

In `proxy` mode it forwards every request to a real registry (`upstream`,
e.g. `http://127.0.0.1:PORT`); after `ok_requests` forwarded requests it injects the
configured fault instead (for at most `fault_limit` requests, if set; then it
forwards again):

* `timeout`    - sleep `delay` seconds before answering (the client times out first)
* `500`        - HTTP 500
* `429`        - HTTP 429 with `Retry-After: <retry_after>`
* `reset`      - close the connection with a TCP RST, no response
* `bad-digest` - HEAD without digest header; GET with a body that does not hash to
                 the `Docker-Content-Digest` it is served with
* `401`        - HTTP 401 with a Basic challenge

`requests` counts requests; `got_request` is set at the first one.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.loopback import serve, shutdown

_FORWARD = ("Accept", "Authorization")
_BACK = ("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Retry-After")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """Faults make handlers fail on purpose; keep stderr quiet."""


@dataclass
class FaultServer:
    """See the module docstring."""

    fault: str = "proxy"
    upstream: str | None = None
    ok_requests: int = 0
    fault_limit: int | None = None
    delay: float = 30.0
    retry_after: int = 1
    requests: int = 0
    got_request: threading.Event = field(default_factory=threading.Event)
    _server: _Server | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`."""
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._server = _Server(("127.0.0.1", 0), Handler)
        serve(self._server)
        return self

    def stop(self) -> None:
        shutdown(self._server)
        self._server = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self) -> int:
        with self._lock:
            self.requests += 1
            self.got_request.set()
            return self.requests


class _Handler(BaseHTTPRequestHandler):
    server_owner: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_HEAD(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        owner = self.server_owner
        n = owner._next()
        fault = owner.fault if n > owner.ok_requests else "proxy"
        if owner.fault_limit is not None and n > owner.ok_requests + owner.fault_limit:
            fault = "proxy"
        if fault == "proxy":
            self._proxy()
        elif fault == "timeout":
            time.sleep(owner.delay)
            self._send(200, {}, b"")
        elif fault == "500":
            self._send(500, {"Content-Type": "application/json"},
                       b'{"errors":[{"code":"UNKNOWN","message":"injected"}]}')  # fmt: skip
        elif fault == "429":
            self._send(429, {"Retry-After": str(owner.retry_after)}, b"")
        elif fault == "401":
            self._send(401, {"WWW-Authenticate": 'Basic realm="fault"'}, b"")
        elif fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif fault == "bad-digest":
            body = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'
            wrong = "sha256:" + hashlib.sha256(body + b"x").hexdigest()
            ctype = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
            if self.command == "HEAD":
                self._send(200, ctype, body)
            else:
                self._send(200, {**ctype, "Docker-Content-Digest": wrong}, body)
        else:
            self._send(418, {}, b"unknown fault")

    def _proxy(self) -> None:
        owner = self.server_owner
        assert owner.upstream, "proxy mode needs an upstream"
        req = urllib.request.Request(owner.upstream + self.path, method=self.command)
        for key in _FORWARD:
            if self.headers.get(key):
                req.add_header(key, self.headers[key])
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, headers, body = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, exc.headers, exc.read()
        back = {k: headers[k] for k in _BACK if headers.get(k)}
        if self.command == "HEAD" and headers.get("Content-Length"):
            self.send_response(status)
            for key, value in back.items():
                self.send_header(key, value)
            self.send_header("Content-Length", headers["Content-Length"])
            self.end_headers()
            return
        self._send(status, back, body)
