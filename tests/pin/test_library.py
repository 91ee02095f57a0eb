"""Library pins against a small test server implementing the documented library API.

There is no installable library server, so `tests.support.library_server` implements
the one endpoint defpin uses: `GET /v1/images/<entity>/<collection>/<container>:<tag>
?arch=<arch>` answering `{"data": {"hash": "sha256.<hex>", ...}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.library_server import LibraryServer

from .conftest import Result

H1 = "sha256." + "1" * 64
H2 = "sha256." + "2" * 64
ARM = "sha256." + "3" * 64


@pytest.fixture
def library() -> Iterator[LibraryServer]:
    images = {
        ("library/default/alpine", "3.19", "amd64"): H1,
        ("library/default/alpine", "3.19", "arm64"): ARM,
        ("e/c/tool", "1", "amd64"): H2,
    }
    with LibraryServer(images) as server:
        yield server


def test_library_pin_and_update(
    library: LibraryServer, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = tmp_path / "a.def"
    f.write_text(f"Bootstrap: library\nLibrary: {library.url}\nFrom: alpine:3.19\n")
    r = defpin(f, "--platform", "linux/amd64")
    assert r.code == 0, r.err
    assert f.read_text().endswith(f"From: library/default/alpine:{H1}  # defpin: alpine:3.19\n")
    assert library.requests[0][0] == "/v1/images/library/default/alpine:3.19"
    assert defpin(f, "--check").code == 0
    library.images[("library/default/alpine", "3.19", "amd64")] = H2
    r = defpin(f, "--check", "--online", "--platform", "linux/amd64")
    assert r.code == 1 and "drift" in r.out
    assert defpin(f, "--update", "--platform", "linux/amd64").code == 0
    assert f"alpine:{H2}  # defpin: alpine:3.19\n" in f.read_text()


def test_library_url_option_arch_and_token(
    library: LibraryServer, tmp_path: Path, defpin: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    library.token = "libtok"
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: library\nFrom: library://alpine:3.19\n")
    r = defpin(f, "--library-url", library.url, "--platform", "linux/arm64")
    assert r.code == 2 and "HTTP 401" in r.err
    monkeypatch.setenv("DEFPIN_LIBRARY_TOKEN", "libtok")
    r = defpin(f, "--library-url", library.url, "--platform", "linux/arm64", "--json")
    assert r.code == 0, r.err
    assert f"From: library://library/default/alpine:{ARM}  # defpin: library://alpine:3.19\n" in (
        f.read_text()
    )
    assert '"kind": "library"' in r.out
    assert "libtok" not in r.out + r.err


def test_library_without_url_is_an_error(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: library\nFrom: alpine:3.19\n")
    r = defpin(f)
    assert r.code == 2
    assert f"{f}:2:7: error: no library URL" in r.err
    assert f.read_text() == "Bootstrap: library\nFrom: alpine:3.19\n"


def test_library_unknown_image(
    library: LibraryServer, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: library\nFrom: nope:1\n")
    r = defpin(f, "--library-url", library.url)
    assert r.code == 2 and "not found" in r.err
