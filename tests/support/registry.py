"""A real OCI registry on loopback for tests: Debian's `docker-registry` + skopeo.

Reusable by any test suite (defpin, the build backend ...)::

    from tests.support.registry import start_registry, build_layout, ImageSpec

    reg = start_registry(tmp_path / "reg")                 # or auth="basic" / "token"
    layout = build_layout(tmp_path / "busybox", [ImageSpec("amd64", files={...})], tag="1.0")
    digest = reg.push_oci_layout(layout, "base/busybox:1.0")
    reg.seed()                                             # the standard test images
    reg.digests["test/multi:1.0"]                          # sha256 of the stored manifest
    reg.stop()

Modes: `auth="none"` (anonymous), `"basic"` (htpasswd, bcrypt via `htpasswd -B`),
`"token"` (Bearer tokens from `tests.support.token_server`, running in a thread;
anonymous tokens can pull everything except `private/*`). Needs the Debian packages
`docker-registry`, `skopeo`, and for auth modes `apache2-utils` / `openssl`.

Digests in `Registry.digests` are read back with `skopeo inspect --raw` and hashed
with sha256: the value a `HEAD /v2/<name>/manifests/<tag>` returns in
`Docker-Content-Digest`. Layers are built deterministically (fixed mtimes and owners,
gzip without name/time), so digests are stable, but tests should read `digests`.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.token_server import ISSUER, SERVICE, TokenServer, make_signing_key

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
SIF_CONFIG = "application/vnd.sylabs.sif.config.v1+json"
SIF_LAYER = "application/vnd.sylabs.sif.layer.v1.sif"

#: Tools the fixture needs, by mode.
REQUIRED_TOOLS = {"none": ("docker-registry", "skopeo"),
                  "basic": ("docker-registry", "skopeo", "htpasswd"),
                  "token": ("docker-registry", "skopeo", "openssl")}  # fmt: skip

_RUNNING: set[Registry] = set()


def missing_tools(auth: str = "none") -> list[str]:
    """Tools needed for `auth` mode that are not on PATH."""
    return [t for t in REQUIRED_TOOLS[auth] if shutil.which(t) is None]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def sha256_digest(data: bytes) -> str:
    """`sha256:<hex>` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- layouts
@dataclass(frozen=True)
class ImageSpec:
    """One image for an OCI layout: platform, root files, optional SIF artifact form."""

    arch: str = "amd64"
    variant: str | None = None
    os: str = "linux"
    files: Mapping[str, bytes] = field(default_factory=lambda: {"hello.txt": b"hello\n"})
    labels: Mapping[str, str] = field(default_factory=dict)
    sif: bytes | None = None  # if set: an ORAS-style SIF artifact instead of an image
    #: a directory to use as the root filesystem instead of `files` (modes and symlinks
    #: kept, owners and mtimes normalised), e.g. an unpacked busybox
    rootfs: Path | None = None


def _put_blob(layout: Path, data: bytes) -> tuple[str, int]:
    digest = sha256_digest(data)
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "blobs" / "sha256" / digest[7:]).write_bytes(data)
    return digest, len(data)


def _layer(files: Mapping[str, bytes]) -> tuple[bytes, bytes]:
    """A deterministic tar (and its gzip) holding `files`."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        dirs = sorted({str(Path(p).parent) for p in files} - {"."})
        for name in dirs:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            tar.addfile(info, io.BytesIO(files[name]))
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0, compresslevel=9) as fh:
        fh.write(tar_bytes)
    return tar_bytes, gz.getvalue()


def _dir_layer(root: Path) -> tuple[bytes, bytes]:
    """A deterministic tar (and its gzip) of a directory tree."""

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for child in sorted(root.iterdir()):
            tar.add(child, arcname=child.name, recursive=True, filter=normalise)
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz, mtime=0, compresslevel=6) as fh:
        fh.write(tar_bytes)
    return tar_bytes, gz.getvalue()


def _compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _image_manifest(layout: Path, spec: ImageSpec) -> tuple[str, int]:
    """Write one image's blobs; return the manifest digest and size."""
    if spec.sif is not None:
        sif_digest, sif_size = _put_blob(layout, spec.sif)
        cfg_digest, cfg_size = _put_blob(layout, b"{}")
        manifest = {
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": SIF_CONFIG, "digest": cfg_digest, "size": cfg_size},
            "layers": [{"mediaType": SIF_LAYER, "digest": sif_digest, "size": sif_size,
                        "annotations": {"org.opencontainers.image.title": "image.sif"}}],
        }  # fmt: skip
        return _put_blob(layout, _compact(manifest))
    tar_bytes, gz = _dir_layer(spec.rootfs) if spec.rootfs else _layer(spec.files)
    layer_digest, layer_size = _put_blob(layout, gz)
    config: dict[str, object] = {
        "architecture": spec.arch, "os": spec.os, "created": "1970-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["/bin/sh"], "Labels": dict(spec.labels)},
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar_bytes)]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "tests/support/registry"}],
    }  # fmt: skip
    if spec.variant:
        config["variant"] = spec.variant
    cfg_digest, cfg_size = _put_blob(layout, _compact(config))
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cfg_digest, "size": cfg_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": layer_size}],
    }  # fmt: skip
    return _put_blob(layout, _compact(manifest))


def build_layout(layout: Path, images: Sequence[ImageSpec], *, tag: str = "latest") -> Path:
    """Write an OCI image layout holding one image, or an index when several are given.

    The layout's `index.json` names the image (or index) as `tag`, ready for
    `skopeo copy oci:<layout>:<tag> ...` (`Registry.push_oci_layout`).
    """
    if layout.exists():
        shutil.rmtree(layout)
    (layout / "blobs" / "sha256").mkdir(parents=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    if len(images) == 1:
        digest, size = _image_manifest(layout, images[0])
        media_type = OCI_MANIFEST
    else:
        entries = []
        for spec in images:
            d, s = _image_manifest(layout, spec)
            plat = {"architecture": spec.arch, "os": spec.os}
            if spec.variant:
                plat["variant"] = spec.variant
            entries.append({"mediaType": OCI_MANIFEST, "digest": d, "size": s, "platform": plat})
        digest, size = _put_blob(
            layout, _compact({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        )
        media_type = OCI_INDEX
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": media_type, "digest": digest, "size": size,
         "annotations": {"org.opencontainers.image.ref.name": tag}}]}  # fmt: skip
    (layout / "index.json").write_bytes(_compact(index))
    return layout


# --------------------------------------------------------------------------- registry
@dataclass(eq=False)
class Registry:
    """A running `docker-registry` on loopback (see `start_registry`)."""

    host: str
    data_dir: Path
    auth: str
    process: subprocess.Popen[bytes]
    username: str | None = None
    password: str | None = None
    token_server: TokenServer | None = None
    digests: dict[str, str] = field(default_factory=dict)
    media_types: dict[str, str] = field(default_factory=dict)
    #: child manifests of seeded indexes: ref -> {"linux/arm64/v8": digest, ...}
    platforms: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://{self.host}"

    @property
    def creds(self) -> str | None:
        """`USER:PASS` in an auth mode, else None."""
        return f"{self.username}:{self.password}" if self.username else None

    # -- lifecycle --------------------------------------------------------------
    def stop(self) -> None:
        """Stop the registry (and token server); idempotent."""
        _RUNNING.discard(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.token_server is not None:
            self.token_server.stop()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- skopeo -----------------------------------------------------------------
    def skopeo(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        """Run skopeo with a permissive policy and a private, empty auth file."""
        policy = self.data_dir / "policy.json"
        auth_file = self.data_dir / "auth.json"
        if not policy.exists():
            policy.write_text('{"default":[{"type":"insecureAcceptAnything"}]}')
        if not auth_file.exists():
            auth_file.write_text('{"auths":{}}')
        env = {**os.environ, "REGISTRY_AUTH_FILE": str(auth_file)}
        proc = subprocess.run(
            ["skopeo", "--policy", str(policy), *args],
            capture_output=True, env=env, timeout=timeout, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(
                f"skopeo {' '.join(args)} failed: {proc.stderr.decode(errors='replace')[-2000:]}"
            )
        return proc

    def _dest_opts(self) -> list[str]:
        opts = ["--dest-tls-verify=false"]
        if self.creds:
            opts += ["--dest-creds", self.creds]
        return opts

    def _src_opts(self, flag: str = "--src-creds") -> list[str]:
        opts = ["--src-tls-verify=false" if flag == "--src-creds" else "--tls-verify=false"]
        if self.creds:
            opts += [flag, self.creds]
        return opts

    def push_oci_layout(
        self, layout: Path, ref: str, *, tag: str | None = None, format: str | None = None
    ) -> str:
        """Copy `oci:<layout>:<tag>` (default: ref's tag) to `ref`; return its digest.

        A layout holding a single image without that tag name is pushed as `oci:<layout>`.

        `format="v2s2"` converts to Docker media types (manifest or manifest list).
        """
        src_tag = tag or ref.rsplit(":", 1)[1]
        src = f"oci:{layout}:{src_tag}"
        index = json.loads((Path(layout) / "index.json").read_text())
        names = [m.get("annotations", {}).get("org.opencontainers.image.ref.name")
                 for m in index.get("manifests", [])]  # fmt: skip
        if src_tag not in names and len(names) == 1:
            src = f"oci:{layout}"  # a layout with one unnamed image
        args = ["copy", "--quiet", "--all", *self._dest_opts()]
        if format:
            args += ["--format", format]
        self.skopeo(*args, src, f"docker://{self.host}/{ref}")
        return self.inspect_digest(ref)

    def copy(self, src_ref: str, dst_ref: str) -> str:
        """Point `dst_ref` at what `src_ref` names (a retag; `--all` keeps indexes)."""
        self.skopeo(
            "copy", "--quiet", "--all", *self._src_opts(), *self._dest_opts(),
            f"docker://{self.host}/{src_ref}", f"docker://{self.host}/{dst_ref}",
        )  # fmt: skip
        return self.inspect_digest(dst_ref)

    def inspect_raw(self, ref: str) -> bytes:
        """The stored manifest bytes (`skopeo inspect --raw`)."""
        return self.skopeo("inspect", "--raw", *self._src_opts("--creds"),
                           f"docker://{self.host}/{ref}").stdout  # fmt: skip

    def inspect_digest(self, ref: str) -> str:
        """sha256 of the stored manifest (recorded in `digests` and `media_types`)."""
        raw = self.inspect_raw(ref)
        digest = sha256_digest(raw)
        data = json.loads(raw)
        self.digests[ref] = digest
        self.media_types[ref] = str(data.get("mediaType", ""))
        if data.get("manifests"):
            plats = {}
            for entry in data["manifests"]:
                p = entry.get("platform", {})
                key = f"{p.get('os')}/{p.get('architecture')}" + (
                    f"/{p['variant']}" if p.get("variant") else ""
                )
                plats[key] = entry["digest"]
            self.platforms[ref] = plats
        return digest

    def skopeo_digest(self, ref: str) -> str:
        """What `skopeo inspect --format {{.Digest}}` reports (the tool users reach for)."""
        out = self.skopeo("inspect", "--format", "{{.Digest}}", *self._src_opts("--creds"),
                          f"docker://{self.host}/{ref}").stdout  # fmt: skip
        return out.decode().strip()

    # -- fast tagging over HTTP (anonymous mode) ----------------------------------
    def _request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers=dict(headers or {}))  # fmt: skip
        if self.auth == "basic" and self.creds:
            req.add_header(
                "Authorization", "Basic " + base64.b64encode(self.creds.encode()).decode()
            )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers.items())

    def tag(self, src_ref: str, dst_tag: str) -> str:
        """Add tag `dst_tag` to the manifest `src_ref` names (same repository) via PUT.

        Much faster than `copy` for many tags; not available in token mode.
        """
        if self.auth == "token":
            raise RuntimeError("tag() needs anonymous or basic mode; use copy()")
        name, _, ref = src_ref.rpartition(":")
        status, body, headers = self._request("GET", f"/v2/{name}/manifests/{ref}",
                                              headers={"Accept": ACCEPT})  # fmt: skip
        if status != 200:
            raise RuntimeError(f"GET {src_ref}: HTTP {status}")
        media_type = headers.get("Content-Type", OCI_MANIFEST)
        status, _, _ = self._request("PUT", f"/v2/{name}/manifests/{dst_tag}", body,
                                     {"Content-Type": media_type})  # fmt: skip
        if status not in (200, 201):
            raise RuntimeError(f"PUT {name}:{dst_tag}: HTTP {status}")
        digest = sha256_digest(body)
        self.digests[f"{name}:{dst_tag}"] = digest
        self.media_types[f"{name}:{dst_tag}"] = media_type
        return digest

    # -- standard seed ----------------------------------------------------------
    def seed(
        self, workdir: Path | None = None, *, only: Sequence[str] | None = None
    ) -> dict[str, str]:
        """Push the standard test images; return `digests`.

        | ref | kind |
        | test/busy:1.0 | OCI image manifest, linux/amd64 |
        | test/busy:1.1, test/busy:latest | another OCI manifest (same digest) |
        | test/multi:1.0 | OCI image index: linux/amd64 + linux/arm64/v8 |
        | test/dockerv2:1.0 | Docker schema2 manifest |
        | test/dockerlist:1.0 | Docker manifest list: amd64 + arm64/v8 |
        | test/sif:1.0 | ORAS-style SIF artifact |
        | private/busy:1.0 | copy of test/busy:1.0 (needs login in token mode) |

        `only` limits the push to those references (faster for auth-mode registries).
        """
        work = workdir or self.data_dir / "seed"
        busy10 = build_layout(work / "busy10", [ImageSpec(files={"hello.txt": b"busy 1.0\n"})],
                              tag="1.0")  # fmt: skip
        busy11 = build_layout(work / "busy11", [ImageSpec(files={"hello.txt": b"busy 1.1\n"})],
                              tag="1.1")  # fmt: skip
        multi = build_layout(
            work / "multi",
            [
                ImageSpec("amd64", files={"hello.txt": b"multi amd64\n"}),
                ImageSpec("arm64", "v8", files={"hello.txt": b"multi arm64\n"}),
            ],
            tag="1.0",
        )
        sif = build_layout(work / "sif", [ImageSpec(sif=b"SIF_MAGIC-not-a-real-sif\n")], tag="1.0")
        plan = [
            (busy10, "test/busy:1.0", "1.0", None),
            (busy11, "test/busy:1.1", "1.1", None),
            (busy11, "test/busy:latest", "1.1", None),
            (multi, "test/multi:1.0", "1.0", None),
            (busy10, "test/dockerv2:1.0", "1.0", "v2s2"),
            (multi, "test/dockerlist:1.0", "1.0", "v2s2"),
            (sif, "test/sif:1.0", "1.0", None),
            (busy10, "private/busy:1.0", "1.0", None),
        ]
        for layout, ref, tag, fmt in plan:
            if only is None or ref in only:
                self.push_oci_layout(layout, ref, tag=tag, format=fmt)
        return self.digests


def _htpasswd_line(user: str, password: str) -> str:
    out = subprocess.run(["htpasswd", "-nbB", "-C", "4", user, password],
                         check=True, capture_output=True).stdout  # fmt: skip
    return out.decode().strip()


def _wait_ready(url: str, want: int, proc: subprocess.Popen[bytes], log: Path,
                timeout: float) -> None:  # fmt: skip
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                last = resp.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except OSError as exc:
            last = exc
        if last == want:
            return
        time.sleep(0.1)
    raise RuntimeError(f"registry at {url} not ready (last: {last}); log: {log}")


def start_registry(
    data_dir: Path,
    *,
    auth: str = "none",
    username: str = "alice",
    password: str = "s3cret",
    host: str = "127.0.0.1",
    port: int | None = None,
    seed: bool | Sequence[str] = False,
    timeout: float = 30.0,
) -> Registry:
    """Start `docker-registry serve` on `host:port` (a free port by default).

    `auth`: "none", "basic" (htpasswd) or "token" (Bearer, own token server).
    `seed`: True pushes the standard images (`Registry.seed`), a list only those refs.
    Storage, config and log live in `data_dir`; nothing is written elsewhere.
    """
    if auth not in REQUIRED_TOOLS:
        raise ValueError(f"auth must be one of {sorted(REQUIRED_TOOLS)}")
    missing = missing_tools(auth)
    if missing:
        raise RuntimeError(f"missing tools for the test registry: {', '.join(missing)}")
    data_dir = Path(data_dir).resolve()
    (data_dir / "storage").mkdir(parents=True, exist_ok=True)
    port = port or free_port(host)
    token_server = None
    auth_block = ""
    if auth == "basic":
        htpasswd = data_dir / "htpasswd"
        htpasswd.write_text(_htpasswd_line(username, password) + "\n")
        auth_block = f"auth:\n  htpasswd:\n    realm: {SERVICE}\n    path: {htpasswd}\n"
    elif auth == "token":
        key, cert = make_signing_key(data_dir / "token")
        token_server = TokenServer(key, cert, username, password, host=host).start()
        auth_block = (
            f"auth:\n  token:\n    realm: {token_server.realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {cert}\n"
        )
    config = data_dir / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {data_dir / 'storage'}\n"
        "  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\n"
        f"http:\n  addr: {host}:{port}\n  secret: defpin-test-secret\n{auth_block}"
    )
    log = data_dir / "registry.log"
    with open(log, "ab") as log_fh:
        proc = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdin=subprocess.DEVNULL, stdout=log_fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    reg = Registry(
        f"{host}:{port}", data_dir, auth, proc,
        username if auth != "none" else None, password if auth != "none" else None,
        token_server,
    )  # fmt: skip
    _RUNNING.add(reg)
    try:
        _wait_ready(f"http://{host}:{port}/v2/", 200 if auth == "none" else 401, proc, log,
                    timeout)  # fmt: skip
        if seed:
            reg.seed(only=None if seed is True else list(seed))
    except BaseException:
        reg.stop()
        raise
    return reg


@contextlib.contextmanager
def running_registry(data_dir: Path, **kwargs: object) -> Iterator[Registry]:
    """`with running_registry(dir, auth="basic", seed=True) as reg: ...`."""
    reg = start_registry(data_dir, **kwargs)  # type: ignore[arg-type]
    try:
        yield reg
    finally:
        reg.stop()


@atexit.register
def _stop_all() -> None:
    for reg in list(_RUNNING):
        with contextlib.suppress(Exception):
            reg.stop()
