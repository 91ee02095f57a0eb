"""Credential lookup: explicit, Apptainer's and Docker's config files, helpers."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from defcheck.errors import ConfigError
from defcheck.pin.credentials import CredentialStore, normalize_host, parse_creds_spec


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def write(path: Path, obj: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


@pytest.fixture
def helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `docker-credential-fake` helper answering for `helper.example` only."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "docker-credential-fake"
    script.write_text(
        '#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\n'
        'case "$server" in\n'
        "  helper.example|https://index.docker.io/v1/) "
        'printf \'{"ServerURL":"%s","Username":"hu","Secret":"hs"}\' "$server" ;;\n'
        "  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}:{__import__('os').environ['PATH']}")
    return script


def test_normalize_host() -> None:
    assert normalize_host("https://index.docker.io/v1/") == "docker.io"
    assert normalize_host("registry-1.docker.io") == "docker.io"
    assert normalize_host("HTTP://Reg.Example:5000/v2/") == "reg.example:5000"


def test_parse_creds_spec() -> None:
    host, creds = parse_creds_spec("ghcr.io=me:p:w")
    assert (host, creds.username, creds.password) == ("ghcr.io", "me", "p:w")
    assert "p:w" not in repr(creds)
    for bad in ("ghcr.io", "=u:p", "h=u", "h=:p"):
        with pytest.raises(ConfigError):
            parse_creds_spec(bad)


def test_lookup_order(tmp_path: Path) -> None:
    app = write(tmp_path / "app.json", {"auths": {"r.example": {"auth": b64("app:1")}}})
    dock = write(tmp_path / "docker.json", {"auths": {
        "https://r.example/v2/": {"auth": b64("dock:2")},
        "other.example": {"username": "o", "password": "3"},
        "https://index.docker.io/v1/": {"auth": b64("hub:4")}}})  # fmt: skip
    store = CredentialStore([], config_files=[app, dock], env={})
    assert store.get("r.example").username == "app"  # type: ignore[union-attr]
    assert store.get("other.example").password == "3"  # type: ignore[union-attr]
    assert store.get("registry-1.docker.io").username == "hub"  # type: ignore[union-attr]
    assert store.get("nobody.example") is None
    explicit = CredentialStore(["r.example=cli:0"], config_files=[app], env={})
    assert explicit.get("r.example").username == "cli"  # type: ignore[union-attr]
    env = CredentialStore([], config_files=[app], env={"DEFPIN_CREDS": "r.example=env:5"})
    assert env.get("r.example").username == "env"  # type: ignore[union-attr]


def test_default_files_use_home_and_docker_config(tmp_path: Path) -> None:
    write(tmp_path / "h" / ".apptainer" / "docker-config.json",
          {"auths": {"a.example": {"auth": b64("a:1")}}})  # fmt: skip
    write(tmp_path / "dc" / "config.json", {"auths": {"b.example": {"auth": b64("b:2")}}})
    store = CredentialStore(
        [], env={"HOME": str(tmp_path / "h"), "DOCKER_CONFIG": str(tmp_path / "dc")}
    )
    assert store.get("a.example").username == "a"  # type: ignore[union-attr]
    assert store.get("b.example").username == "b"  # type: ignore[union-attr]


def test_cred_helpers_and_store(tmp_path: Path, helper: Path) -> None:
    cfg = write(tmp_path / "c.json", {"credHelpers": {"helper.example": "fake"}})
    store = CredentialStore([], config_files=[cfg], env={})
    creds = store.get("helper.example")
    assert creds is not None and (creds.username, creds.password) == ("hu", "hs")
    assert store.get("x.example") is None
    cfg2 = write(tmp_path / "d.json", {"credsStore": "fake"})
    store = CredentialStore([], config_files=[cfg2], env={})
    assert store.get("docker.io") is not None  # asked as https://index.docker.io/v1/
    assert store.get("nothere.example") is None


def test_missing_helper_and_bad_config(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.json", {"credHelpers": {"r.example": "does-not-exist"}})
    with pytest.raises(ConfigError, match="not installed"):
        CredentialStore([], config_files=[cfg], env={}).get("r.example")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ConfigError, match="invalid config"):
        CredentialStore([], config_files=[bad], env={}).get("r.example")
