"""The reusable registry fixture module itself (tests/support/registry.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.support.registry import ImageSpec, Registry, build_layout

pytestmark = pytest.mark.registry


def test_push_rootfs_layout_and_tag(registry: Registry, tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(b"\x7fELF not really busybox")
    (root / "bin" / "busybox").chmod(0o755)
    os.symlink("busybox", root / "bin" / "sh")
    layout = build_layout(tmp_path / "layout", [ImageSpec(rootfs=root)], tag="1.0")
    digest = registry.push_oci_layout(layout, "support/busybox:1.0")
    assert digest == registry.skopeo_digest("support/busybox:1.0")
    again = build_layout(tmp_path / "layout2", [ImageSpec(rootfs=root)], tag="1.0")
    assert registry.push_oci_layout(again, "support/busybox:again", tag="1.0") == digest
    assert registry.tag("support/busybox:1.0", "moved") == digest
    assert registry.inspect_digest("support/busybox:moved") == digest


def test_seeded_kinds(registry: Registry) -> None:
    media = registry.media_types
    assert media["test/multi:1.0"].endswith("image.index.v1+json")
    assert media["test/dockerlist:1.0"].endswith("manifest.list.v2+json")
    assert media["test/dockerv2:1.0"].endswith("distribution.manifest.v2+json")
    assert media["test/busy:1.0"].endswith("image.manifest.v1+json")
    assert set(registry.platforms["test/multi:1.0"]) == {"linux/amd64", "linux/arm64/v8"}
    assert registry.digests["test/busy:1.1"] == registry.digests["test/busy:latest"]
    assert registry.digests["private/busy:1.0"] == registry.digests["test/busy:1.0"]
