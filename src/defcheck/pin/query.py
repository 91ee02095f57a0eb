"""Query and resolution values: what to resolve and what it resolved to. Pure.

Kept apart from `resolver` so that offline runs (`defpin --check`) never import httpx.
"""

from __future__ import annotations

import os
from enum import Enum

from defcheck.syntax.record import record

_MACHINE_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "armv7l": "arm",
}


def host_arch() -> str:
    """The OCI architecture name of this machine (`amd64`, `arm64` ...)."""
    if hasattr(os, "uname"):  # what `platform.machine()` returns, without importing it
        machine = os.uname().machine.lower()
    else:  # pragma: no cover - Windows
        import platform

        machine = platform.machine().lower()
    return _MACHINE_ARCH.get(machine, machine)


@record
class Platform:
    """An OCI platform `os/architecture[/variant]`."""

    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse `linux/arm64/v8`, `linux/amd64` or just `arm64` (os linux).

        >>> str(Platform.parse("arm64"))
        'linux/arm64'
        """
        parts = [p for p in text.strip().split("/") if p]
        if not parts or len(parts) > 3:
            raise ValueError(f"invalid platform `{text}` (want os/arch[/variant])")
        if len(parts) == 1:
            return cls("linux", parts[0])
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        tail = f"/{self.variant}" if self.variant else ""
        return f"{self.os}/{self.architecture}{tail}"

    def score(self, entry: object) -> int:
        """How well an index entry's `platform` object matches: 0 no, 1 yes, 2 exactly."""
        if not isinstance(entry, dict):
            return 0
        if entry.get("os") != self.os or entry.get("architecture") != self.architecture:
            return 0
        variant = entry.get("variant")
        if self.variant is None or variant == self.variant:
            return 2 if variant == self.variant else 1
        if variant is None and self.architecture == "arm64" and self.variant == "v8":
            return 1
        return 0


class Kind(Enum):
    """What a pin points at."""

    INDEX = "index"  # multi-arch index / manifest list
    MANIFEST = "manifest"  # a single-platform image or artifact manifest
    PLATFORM = "platform"  # one platform's manifest taken from an index
    LIBRARY = "library"  # a library image hash


@record
class OciQuery:
    """Resolve `host/repository:tag` on a distribution registry.

    `platform`: pin that platform's manifest when the tag names an index. `previous`:
    the digest pinned now; if it is one platform's manifest, the result stays per-platform.
    """

    host: str
    repository: str
    tag: str
    platform: Platform | None = None
    previous: str | None = None

    def __str__(self) -> str:
        return f"{self.host}/{self.repository}:{self.tag}"


@record
class LibraryQuery:
    """Resolve `path:tag` for `arch` on the library at `base_url`."""

    base_url: str
    path: str
    tag: str
    arch: str

    def __str__(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.path}:{self.tag}"


Query = OciQuery | LibraryQuery


@record
class Resolution:
    """The digest a query resolved to (`sha256:<hex>`, or `sha256.<hex>` for library)."""

    digest: str
    kind: Kind
    platform: str | None = None
