"""Registry credentials: explicit ones, then Apptainer's and Docker's config files.

Lookup order for a registry host (issue 5):

1. credentials given on the command line or in `DEFPIN_CREDS`
   (`HOST=USER:PASSWORD`, several separated by blanks or newlines);
2. `~/.apptainer/docker-config.json` (written by `apptainer registry login`);
3. `$DOCKER_CONFIG/config.json`, default `~/.docker/config.json`.

In each config file `credHelpers[host]` wins over `auths[host]`, which wins over
`credsStore`; helpers are run with the `docker-credential-<name> get` protocol (server
URL on stdin, JSON `{"Username", "Secret"}` on stdout). Credentials are keyed by host
and are only ever returned for that host.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from defcheck.errors import ConfigError
from defcheck.pin.reference import DOCKER_HUB_API
from defcheck.refs import DOCKER_HUB, DOCKER_HUB_ALIASES

log = logging.getLogger(__name__)

_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", DOCKER_HUB_API)


class Credentials:
    """A user name and secret (password or token) for one registry host.

    A value (equality and hash over all three fields) whose `repr` leaves the secret out.
    """

    __slots__ = ("password", "source", "username")

    def __init__(self, username: str, password: str, source: str = "") -> None:
        self.username = username
        self.password = password
        self.source = source

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Credentials:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[str, str, str]:
        return (self.username, self.password, self.source)


def normalize_host(key: str) -> str:
    """`https://Host:5000/v2/` -> `host:5000`; Docker Hub spellings -> `docker.io`."""
    text = key.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].lower()
    if text in DOCKER_HUB_ALIASES:
        return DOCKER_HUB
    return text


def parse_creds_spec(spec: str) -> tuple[str, Credentials]:
    """Parse `HOST=USER:PASSWORD` (the password may contain `:`).

    >>> parse_creds_spec("ghcr.io=me:tok")[0]
    'ghcr.io'
    """
    host, eq, rest = spec.partition("=")
    user, colon, password = rest.partition(":")
    if not eq or not host or not colon or not user:
        raise ConfigError("invalid config: credentials: expected HOST=USER:PASSWORD")
    return normalize_host(host), Credentials(user, password, "command line/DEFPIN_CREDS")


def default_config_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The Apptainer and Docker config files to read, in lookup order."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    docker_dir = Path(env["DOCKER_CONFIG"]) if env.get("DOCKER_CONFIG") else home / ".docker"
    return [home / ".apptainer" / "docker-config.json", docker_dir / "config.json"]


class CredentialStore:
    """Find credentials for a registry host; results are cached per host."""

    def __init__(
        self,
        explicit: Iterable[str] = (),
        *,
        config_files: Iterable[Path] | None = None,
        env: Mapping[str, str] | None = None,
        helper_timeout: float = 20.0,
    ) -> None:
        env = os.environ if env is None else env
        self._explicit: dict[str, Credentials] = {}
        specs = list(explicit) + env.get("DEFPIN_CREDS", "").split()
        for spec in specs:
            host, creds = parse_creds_spec(spec)
            self._explicit.setdefault(host, creds)
        self._files = list(default_config_files(env) if config_files is None else config_files)
        self._helper_timeout = helper_timeout
        self._cache: dict[str, Credentials | None] = {}

    def get(self, host: str) -> Credentials | None:
        """Credentials for `host` (`host[:port]`), or None for anonymous access."""
        key = normalize_host(host)
        if key not in self._cache:
            self._cache[key] = self._lookup(key)
        return self._cache[key]

    def _lookup(self, key: str) -> Credentials | None:
        if key in self._explicit:
            return self._explicit[key]
        for path in self._files:
            config = _read_config(path)
            if config is None:
                continue
            creds = _from_config(config, key, str(path), self._helper_timeout)
            if creds is not None:
                return creds
        return None


def _read_config(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"invalid config: {path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"invalid config: {path}: not a JSON object")
    return data


def _candidate_keys(key: str) -> tuple[str, ...]:
    return _HUB_KEYS if key == DOCKER_HUB else (key,)


def _from_config(
    config: dict[str, Any], key: str, source: str, timeout: float
) -> Credentials | None:
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        for name, helper in helpers.items():
            if normalize_host(name) == key and isinstance(helper, str):
                return run_helper(helper, name, timeout=timeout)
    auths = config.get("auths")
    if isinstance(auths, dict):
        for name, entry in auths.items():
            if normalize_host(name) != key or not isinstance(entry, dict):
                continue
            creds = _from_auth_entry(entry, f"{source} auths[{name}]")
            if creds is not None:
                return creds
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        for server in _candidate_keys(key):
            creds = run_helper(store, server, timeout=timeout)
            if creds is not None:
                return creds
    return None


def _from_auth_entry(entry: dict[str, Any], source: str) -> Credentials | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            user, _, password = base64.b64decode(auth).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ConfigError(
                f"invalid config: {source}: `auth` is not base64 USER:PASSWORD"
            ) from None
        return Credentials(user, password, source)
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and isinstance(secret, str) and name:
        return Credentials(name, secret, source)
    return None


def run_helper(helper: str, server: str, *, timeout: float = 20.0) -> Credentials | None:
    """Ask `docker-credential-<helper> get` for `server`; None when it has nothing."""
    import subprocess  # only when a helper is configured: ~4 ms of start-up otherwise

    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run(
            [program, "get"],
            input=server.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            f"invalid config: credential helper `{program}` is configured but not installed"
        ) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"invalid config: credential helper `{program}` failed: {exc}") from None
    if proc.returncode != 0:
        # The protocol says "credentials not found in native keychain" on stdout.
        log.debug("%s has no credentials for %s", program, server)
        return None
    try:
        data = json.loads(proc.stdout)
        user, secret = data["Username"], data["Secret"]
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"invalid config: credential helper `{program}` gave bad output"
        ) from None
    if not isinstance(user, str) or not isinstance(secret, str):
        raise ConfigError(f"invalid config: credential helper `{program}` gave bad output")
    return Credentials(user, secret, program)
