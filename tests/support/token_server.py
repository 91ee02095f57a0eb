"""A tiny Docker-registry token server (Bearer token auth) for tests.

Implements the token half of the Docker Registry v2 token flow, enough for
distribution 2.x configured with `auth: token:`:

    GET /token?service=SERVICE&scope=repository:NAME:pull[&scope=...]
        [Authorization: Basic base64(user:pass)]
    -> 200 {"token", "access_token", "expires_in", "issued_at"}
    -> 401 + WWW-Authenticate: Basic when the credentials are wrong

Policy, like a public registry with private repositories: anonymous requests get
`pull` on every repository except `private/*`; the one account gets every requested
action; wrong credentials get 401. Tokens are RS256 JWTs signed with the `openssl`
command-line tool (standard library only); the signing certificate travels in the
`x5c` header, which the registry checks against its `rootcertbundle`.
It runs in a thread of the test process: `TokenServer(...).start()` / `.stop()`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

SERVICE = "defpin-test-registry"
ISSUER = "defpin-test-issuer"


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_signing_key(directory: Path) -> tuple[Path, Path]:
    """A self-signed RSA key and certificate in `directory` (key.pem, cert.pem)."""
    directory.mkdir(parents=True, exist_ok=True)
    key, cert = directory / "key.pem", directory / "cert.pem"
    if not key.exists() or not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-days", "3650", "-subj", "/CN=defpin-test-token-issuer",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        key.chmod(0o600)
    return key, cert


@dataclass
class TokenServer:
    """The token server; `realm` is its URL once started."""

    key: Path
    cert: Path
    username: str
    password: str
    host: str = "127.0.0.1"
    expires_in: int = 300
    requests: int = 0
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _x5c: str = field(default="", repr=False)

    @property
    def realm(self) -> str:
        """The `/token` URL registries name in their challenges."""
        assert self._server is not None, "token server not started"
        return f"http://{self.host}:{self._server.server_address[1]}/token"

    def start(self) -> TokenServer:
        """Bind a free loopback port and serve in a daemon thread."""
        der = subprocess.run(
            ["openssl", "x509", "-in", str(self.cert), "-outform", "DER"],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        self._x5c = base64.b64encode(der).decode()
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def sign(self, claims: dict[str, object]) -> str:
        """An RS256 JWT for `claims`."""
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self._x5c]}
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        sig = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key)],
            input=signing_input.encode(), check=True, capture_output=True,
        ).stdout  # fmt: skip
        return signing_input + "." + b64url(sig)


class _Handler(BaseHTTPRequestHandler):
    server_owner: TokenServer
    server_version = "defpin-test-token/1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read no access log."""

    def _json(self, status: int, obj: object, extra: tuple[tuple[str, str], ...] = ()) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        owner = self.server_owner
        owner.requests += 1
        url = urlparse(self.path)
        if url.path != "/token":
            self._json(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        query = parse_qs(url.query)
        service = (query.get("service") or [SERVICE])[0]
        scopes = [s for raw in query.get("scope", []) for s in raw.split(" ") if s]
        subject = ""
        authz = self.headers.get("Authorization", "")
        if authz.lower().startswith("basic "):
            try:
                user, _, pw = base64.b64decode(authz[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user, pw = "", ""
            if (user, pw) != (owner.username, owner.password):
                self._json(
                    401,
                    {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                    (("WWW-Authenticate", 'Basic realm="defpin-test-token"'),),
                )
                return
            subject = user
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            if subject:
                granted = actions
            elif typ == "repository" and not name.startswith("private/"):
                granted = [a for a in actions if a == "pull"]
            else:
                granted = []
            access.append({"type": typ, "name": name, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": ISSUER, "sub": subject, "aud": service, "exp": now + owner.expires_in,
            "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access,
        }  # fmt: skip
        token = owner.sign(claims)
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        self._json(
            200,
            {"token": token, "access_token": token, "expires_in": owner.expires_in,
             "issued_at": issued},
        )  # fmt: skip
