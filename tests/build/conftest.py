"""Fixtures for `defcheck build` tests: a private buildah store, a busybox base image in a
real local registry, and helpers that build a definition file and look inside the result.

Tools (buildah, busybox-static, docker-registry, skopeo) are required in CI
(`CI=true`: a missing tool fails the test); elsewhere the tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.support.registry import Registry, start_registry

from defcheck.cli.build import build_command
from helpers import require_tool

BASE_REPO = "test/busybox:1.0"


def busybox_binary() -> str:
    """Debian's static busybox (busybox-static installs /bin/busybox)."""
    require_tool("busybox", "the test base image is made of busybox-static")
    for candidate in ("/bin/busybox", "/usr/bin/busybox", shutil.which("busybox") or ""):
        if candidate and os.path.isfile(candidate):
            return os.path.realpath(candidate)
    raise AssertionError("busybox not found")  # pragma: no cover


@dataclass(frozen=True)
class Store:
    """A private containers storage for buildah (vfs), never the system store."""

    root: Path

    @property
    def runroot(self) -> Path:
        """The run root next to the storage root."""
        return self.root / "run"

    def args(self) -> list[str]:
        """Global buildah options selecting this store."""
        return ["--root", str(self.root), "--runroot", str(self.runroot), "--storage-driver", "vfs"]

    def cli_args(self) -> list[str]:
        """`defcheck build` options selecting this store."""
        return ["--storage-root", str(self.root), "--storage-runroot", str(self.runroot)]

    def buildah(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run buildah on this store."""
        proc = subprocess.run(
            ["buildah", *self.args(), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"buildah {' '.join(args)} failed: {proc.stderr}")
        return proc

    def containers(self) -> list[str]:
        """Names of all working containers in the store."""
        out = self.buildah("containers", "--format", "{{.ContainerName}}").stdout
        return [line for line in out.splitlines() if line.strip()]

    def image_names(self) -> list[str]:
        """All tagged image names in the store."""
        out = self.buildah("images", "--format", "{{.Name}}:{{.Tag}}").stdout
        return [line for line in out.splitlines() if "<none>" not in line]


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One private buildah store for the whole session (base image pulled once)."""
    require_tool("buildah", "the buildah backend builds OCI images with it")
    root = tmp_path_factory.mktemp("store")
    s = Store(root)
    yield s
    for name in s.containers():
        s.buildah("rm", name, check=False)
    with contextlib.suppress(Exception):
        s.buildah("rmi", "--all", "--force", check=False)


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A real docker-registry on loopback (tests/support/registry.py)."""
    require_tool("docker-registry", "the base image is served by a local registry")
    require_tool("skopeo", "the shared registry fixture uses skopeo")
    reg = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield reg
    finally:
        reg.stop()


@pytest.fixture(scope="session")
def base_image(store: Store, registry: Registry) -> str:
    """`127.0.0.1:PORT/test/busybox:1.0`: busybox-static + applet symlinks, pushed once."""
    busybox = busybox_binary()
    host = registry.host
    name = f"defcheck-base-{uuid.uuid4().hex[:8]}"
    store.buildah("from", "--name", name, "scratch")
    try:
        mount = Path(store.buildah("mount", name).stdout.strip())
        (mount / "bin").mkdir()
        shutil.copy2(busybox, mount / "bin" / "busybox")
        applets = subprocess.run(
            [busybox, "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        for applet in applets:
            if applet != "busybox" and not (mount / "bin" / applet).exists():
                (mount / "bin" / applet).symlink_to("busybox")
        for d in ("tmp", "etc", "root"):
            (mount / d).mkdir(exist_ok=True)
        (mount / "tmp").chmod(0o1777)
        store.buildah(
            "config",
            "--env",
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "--cmd",
            "/bin/sh",
            "--label",
            "org.example.base=busybox",
            name,
        )
        store.buildah("commit", "--quiet", name, "localhost/defcheck-test-busybox:1.0")
    finally:
        store.buildah("rm", name, check=False)
    ref = f"{host}/{BASE_REPO}"
    store.buildah(
        "push",
        "--quiet",
        "--tls-verify=false",
        "localhost/defcheck-test-busybox:1.0",
        f"docker://{ref}",
    )
    return ref


@dataclass
class BuildRun:
    """The outcome of one `defcheck build` invocation."""

    rc: int
    out: str
    err: str


@pytest.fixture
def build(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., BuildRun]:
    """`build(def_text, *args, name="a.def") -> BuildRun`, run in `tmp_path` with the store."""
    monkeypatch.chdir(tmp_path)

    def run(text: str, *args: str, name: str = "a.def") -> BuildRun:
        (tmp_path / name).write_text(text)
        capsys.readouterr()
        rc = build_command(["--backend", "buildah", "--quiet", *store.cli_args(), *args, name])
        captured = capsys.readouterr()
        return BuildRun(rc, captured.out, captured.err)

    return run


class Container:
    """A working container made from a built image, to look inside it."""

    def __init__(self, store: Store, source: str) -> None:
        self.store = store
        self.name = f"defcheck-check-{uuid.uuid4().hex[:8]}"
        self._mount: Path | None = None
        store.buildah("from", "--quiet", "--name", self.name, source)

    def run(self, *cmd: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        """Run a command in the container (chroot isolation); return its stdout."""
        args = ["run", "--isolation", "chroot"]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        proc = self.store.buildah(*args, self.name, "--", *cmd, check=check)
        return proc.stdout

    @property
    def rootfs(self) -> Path:
        """The container's root filesystem, mounted on the host."""
        if self._mount is None:
            self._mount = Path(self.store.buildah("mount", self.name).stdout.strip())
        return self._mount

    def read(self, path: str) -> str:
        """A file's content (read through the mount: much faster than `buildah run`)."""
        return (self.rootfs / path.lstrip("/")).read_text()

    def exists(self, path: str) -> bool:
        """True if `path` exists in the image (symlinks are not followed)."""
        return os.path.lexists(self.rootfs / path.lstrip("/"))

    def config(self) -> dict[str, object]:
        """The OCI image config (`config` part) of the container's image."""
        info = json.loads(self.store.buildah("inspect", "--type", "container", self.name).stdout)
        return dict(info["OCIv1"]["config"])

    def runscript(self, *args: str, env: dict[str, str] | None = None) -> str:
        """What the image's entrypoint prints (the runscript with the env sourced)."""
        entrypoint = self.config()["Entrypoint"]
        assert isinstance(entrypoint, list)
        return self.run(*[str(e) for e in entrypoint], *args, env=env)

    def remove(self) -> None:
        """Remove the working container."""
        self.store.buildah("rm", self.name, check=False)


@pytest.fixture
def open_image(store: Store) -> Iterator[Callable[[str], Container]]:
    """`open_image("oci-archive:/x.tar") -> Container`; containers are removed afterwards."""
    made: list[Container] = []

    def opener(source: str) -> Container:
        c = Container(store, source)
        made.append(c)
        return c

    yield opener
    for c in made:
        c.remove()
