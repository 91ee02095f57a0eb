"""defpin: pin the `From:` images of definition files to digests (issue 5).

Layers, lowest first: `reference` (defpin's view of image references on top of
`defcheck.refs`, which parses and normalises them; pure), `query`
(what to resolve, pure), `targets` (From: fields of a parsed file, pure), `rewrite`
(resolutions -> edits, pure), `credentials`, `auth`, `client` and `library` (the only
HTTP code, httpx), `resolver` (concurrency, dedup, retries, cache) and `engine` (runs it
all for the CLI). Importing this package does not import httpx.
"""

from __future__ import annotations

from defcheck.pin.query import Kind, LibraryQuery, OciQuery, Platform, Resolution
from defcheck.pin.reference import (
    DockerRef,
    LibraryRef,
    parse_docker_reference,
    parse_library_reference,
)
from defcheck.pin.rewrite import Style, pin_edit
from defcheck.pin.targets import Status, Target, find_targets

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
