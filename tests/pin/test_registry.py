"""defpin against a real registry (Debian's docker-registry), no HTTP mocks.

The digests defpin writes must equal what `skopeo inspect` reports for the same tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.support.registry import Registry

from .conftest import Result

pytestmark = pytest.mark.registry

KINDS = {
    "test/busy:1.0": "manifest",  # OCI image manifest
    "test/multi:1.0": "index",  # OCI image index
    "test/dockerv2:1.0": "manifest",  # Docker schema2
    "test/dockerlist:1.0": "index",  # Docker manifest list
}


def write_def(path: Path, host: str, refs: list[str], agent: str = "docker") -> Path:
    stages = [f"Bootstrap: {agent}\nFrom: {host}/{ref}\n\n%post\n    echo {i}\n"
              for i, ref in enumerate(refs)]  # fmt: skip
    path.write_text("\n".join(stages))
    return path


def test_pins_equal_skopeo_digests(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = write_def(tmp_path / "a.def", registry.host, list(KINDS))
    sif = write_def(tmp_path / "sif.def", registry.host, ["test/sif:1.0"], agent="oras")
    r = defpin(f, sif, "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    text = f.read_text()
    for ref, kind in KINDS.items():
        skopeo = registry.skopeo_digest(ref)
        assert skopeo == registry.digests[ref]
        name = ref.split(":")[0]
        assert f"From: {registry.host}/{name}@{skopeo}  # defpin: {registry.host}/{ref}\n" in text
        row = next(x for x in report["results"] if x["tag"] == f"{registry.host}/{ref}")
        assert (row["new_digest"], row["kind"], row["action"]) == (skopeo, kind, "pin")
    assert registry.digests["test/sif:1.0"] in sif.read_text()
    # one HEAD per reference: the registry sends Docker-Content-Digest
    assert report["requests"] == len(KINDS) + 1
    # the rest of the file is untouched
    assert text.count("%post") == len(KINDS)
    # idempotent: a second run changes nothing
    r = defpin(f, sif)
    assert r.code == 0 and "wrote" not in r.out and f.read_text() == text
    # now clean: --check exits 0 offline and online
    assert defpin(f, "--check").code == 0
    assert defpin(f, "--check", "--online").code == 0


def test_check_offline_reports_unpinned(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = write_def(tmp_path / "a.def", "nowhere.invalid:1", ["x/y:1"])
    before = f.read_bytes()
    r = defpin(f, "--check")  # offline: no network, so the bogus host does not matter
    assert r.code == 1
    assert f"{f}:2:7: unpinned:" in r.out
    assert f.read_bytes() == before


def test_dry_run_and_diff_write_nothing(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = write_def(tmp_path / "a.def", registry.host, ["test/busy:1.0"])
    before = f.read_bytes()
    r = defpin(f, "--dry-run")
    assert r.code == 1 and "would pin" in r.out
    r = defpin(f, "--diff")
    assert r.code == 1
    assert f"+From: {registry.host}/test/busy@{registry.digests['test/busy:1.0']}" in r.out
    assert f.read_bytes() == before


def test_platform_pin_and_dedup_across_files(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    files = [write_def(tmp_path / f"f{i}.def", registry.host, ["test/multi:1.0"] * 2)
             for i in range(5)]  # fmt: skip
    r = defpin(*files, "--platform", "linux/arm64", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    arm = registry.platforms["test/multi:1.0"]["linux/arm64/v8"]
    assert all(row["new_digest"] == arm and row["kind"] == "platform" for row in report["results"])
    assert report["requests"] == 2  # HEAD + GET of the index, once for 10 references
    assert arm in files[3].read_text()


def test_drift_check_and_update(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    registry.copy("test/busy:1.0", "drift/busy:moving")
    f = write_def(tmp_path / "a.def", registry.host, ["drift/busy:moving"])
    f.write_text(f.read_text().replace("moving\n", "moving  # base image\n", 1))
    assert defpin(f).code == 0
    old = registry.digests["drift/busy:moving"]
    pinned = f.read_text()
    assert f"@{old}  # defpin: {registry.host}/drift/busy:moving  # base image\n" in pinned
    new = registry.copy("test/busy:1.1", "drift/busy:moving")  # retag
    assert new != old
    r = defpin(f, "--check", "--online")
    assert r.code == 1
    assert f"{f}:2:7: drift:" in r.out and old in r.out and new in r.out
    assert f.read_text() == pinned
    assert defpin(f, "--check").code == 0  # offline check only looks for unpinned refs
    r = defpin(f, "--update")
    assert r.code == 0, r.err
    assert f.read_text() == pinned.replace(old, new)
    assert defpin(f, "--check", "--online").code == 0


def test_per_platform_pin_stays_per_platform_on_update(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    registry.copy("test/multi:1.0", "drift/multi:moving")
    f = write_def(tmp_path / "a.def", registry.host, ["drift/multi:moving"])
    assert defpin(f, "--platform", "linux/arm64/v8").code == 0
    arm_old = registry.platforms["drift/multi:moving"]["linux/arm64/v8"]
    assert arm_old in f.read_text()
    # the tag moves to a different index (the Docker-list copy: other child digests)
    registry.copy("test/dockerlist:1.0", "drift/multi:moving")
    arm_new = registry.platforms["drift/multi:moving"]["linux/arm64/v8"]
    assert arm_new != arm_old
    r = defpin(f, "--update", "--json")  # no --platform: the pin's own platform is kept
    assert r.code == 0, r.err
    (row,) = json.loads(r.out)["results"]
    assert (row["kind"], row["platform"], row["new_digest"]) == ("platform", "linux/arm64/v8",
                                                                 arm_new)  # fmt: skip
    assert arm_new in f.read_text()


def test_unknown_tag_is_an_error(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = write_def(tmp_path / "a.def", registry.host, ["test/busy:1.0", "test/busy:nope"])
    before = f.read_bytes()
    r = defpin(f)
    assert r.code == 2
    assert f"{f}:8:7: error:" in r.err and "not found" in r.err
    assert f.read_bytes() == before  # nothing written when any reference fails


def test_registry_namespace_headers(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    f = tmp_path / "a.def"
    f.write_text(f"Bootstrap: docker\nRegistry: {registry.host}\nNamespace: test\nFrom: busy:1.0\n")
    assert defpin(f).code == 0
    digest = registry.digests["test/busy:1.0"]
    assert f.read_text().endswith(f"From: busy@{digest}  # defpin: busy:1.0\n")


def test_basic_auth(
    basic_registry: Registry, tmp_path: Path, defpin: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    reg = basic_registry
    f = write_def(tmp_path / "a.def", reg.host, ["test/multi:1.0"])
    before = f.read_bytes()
    r = defpin(f)
    assert r.code == 2 and "authentication required" in r.err
    r = defpin(f, "--creds", f"{reg.host}=alice:hunter2")
    assert r.code == 2 and "access denied" in r.err and "hunter2" not in r.err
    assert f.read_bytes() == before
    # credentials from ~/.docker/config.json
    home = Path(str(Path.home()))
    (home / ".docker").mkdir()
    import base64

    auth = base64.b64encode(b"alice:s3cret").decode()
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {reg.host: {"auth": auth}}}))
    r = defpin(f)
    assert r.code == 0, r.err
    assert reg.digests["test/multi:1.0"] in f.read_text()


def test_token_auth_public_private(
    token_registry: Registry, tmp_path: Path, defpin: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    reg = token_registry
    pub = write_def(tmp_path / "pub.def", reg.host, ["test/busy:1.0", "test/dockerlist:1.0"])
    r = defpin(pub)  # anonymous token flow
    assert r.code == 0, r.err
    assert reg.digests["test/dockerlist:1.0"] in pub.read_text()
    priv = write_def(tmp_path / "priv.def", reg.host, ["private/busy:1.0"])
    r = defpin(priv)
    assert r.code == 2 and "authentication required" in r.err
    r = defpin(priv, "--creds", f"{reg.host}=alice:bad")
    assert r.code == 2 and "rejected" in r.err
    monkeypatch.setenv("DEFPIN_CREDS", f"{reg.host}=alice:s3cret")
    r = defpin(priv)
    assert r.code == 0, r.err
    assert reg.digests["private/busy:1.0"] in priv.read_text()
    assert "s3cret" not in r.out + r.err
