"""defpin: pin the `From:` images of definition files to digests (issue 5).

Layers, lowest first: `reference` (defpin's view of image references on top of
`defcheck.refs`, which parses and normalises them; pure), `query`
(what to resolve, pure), `targets` (From: fields of a parsed file, pure), `rewrite`
(resolutions -> edits, pure), `credentials`, `auth`, `client` and `library` (the only
HTTP code, httpx), `resolver` (concurrency, dedup, retries, cache) and `engine` (runs it
all for the CLI). Importing this package does not import httpx.
"""

from __future__ import annotations

import sys
import types

from defcheck.pin.query import Kind, LibraryQuery, OciQuery, Platform, Resolution
from defcheck.pin.reference import (
    DockerRef,
    LibraryRef,
    parse_docker_reference,
    parse_library_reference,
)
from defcheck.pin.rewrite import Style, pin_edit
from defcheck.pin.targets import Status, Target, find_targets


def _skip_httpx_cli() -> None:
    """Keep httpx's command-line module from loading.

    `httpx/__init__.py` imports `httpx._main` (click, pygments and rich) whenever those
    are installed, about 140 ms that `defpin` never uses. Registering an empty stand-in
    before httpx is first imported skips it; httpx's own code never calls `main`.
    """
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = types.ModuleType("httpx._main")

    def main() -> None:  # pragma: no cover - httpx's CLI entry point, unused here
        raise SystemExit("the httpx command-line client is not available inside defpin")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stub


# Before any of the HTTP modules (auth, client, library) imports httpx.
_skip_httpx_cli()

__all__ = [
    "DockerRef",
    "Kind",
    "LibraryQuery",
    "LibraryRef",
    "OciQuery",
    "Platform",
    "Resolution",
    "Status",
    "Style",
    "Target",
    "find_targets",
    "parse_docker_reference",
    "parse_library_reference",
    "pin_edit",
]
