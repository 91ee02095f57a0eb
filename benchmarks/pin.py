"""Benchmark: defpin vs `skopeo inspect` once per reference, on a local registry.

Starts Debian's `docker-registry` on loopback (tests/support/registry.py), pushes
REFS distinct tags (over 10 repositories), writes them into FILES definition files, then
measures in the same run:

* `defpin FILES...` as users run it (a fresh process: start-up included);
* `skopeo inspect --format '{{.Digest}}' docker://...` once per reference, the loop
  users write today;

after one warm-up run of each, alternately `--repeat` times. Prints the median times, the
speed-up ratio (target >= 10x), the HTTP requests defpin made per reference (1 = HEAD only,
the registry sends Docker-Content-Digest) and checks that both tools report the same
digests.

    python benchmarks/pin.py [--refs 100] [--files 40] [--concurrency 8] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.registry import ImageSpec, build_layout, start_registry  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--refs", type=int, default=100)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each tool (medians)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="defpin-bench-") as tmp:
        work = Path(tmp)
        reg = start_registry(work / "registry")
        try:
            refs = seed(reg, work, args.refs)
            files = write_files(work / "defs", reg.host, refs, args.files)
            # Warm both tools up once (page cache, registry) so neither pays a cold start,
            # then time them alternately and keep the medians (one run is noisy).
            run_skopeo(reg.host, refs[:1])
            run_defpin(files[:1], args.concurrency)
            defpin_times: list[float] = []
            skopeo_times: list[float] = []
            for _ in range(args.repeat):
                t, report = run_defpin(files, args.concurrency)
                defpin_times.append(t)
                t, skopeo_digests = run_skopeo(reg.host, refs)
                skopeo_times.append(t)
        finally:
            reg.stop()
    t_defpin = statistics.median(defpin_times)
    t_skopeo = statistics.median(skopeo_times)

    pinned = {row["tag"].split("/", 1)[1]: row["new_digest"] for row in report["results"]}
    mismatched = [r for r in refs if pinned.get(r) != skopeo_digests[r]]
    per_ref = report["requests"] / len(refs)
    print(f"references: {len(refs)} in {len(files)} files (local docker-registry)")
    runs = ", ".join(f"{t:.2f}" for t in defpin_times)
    print(f"defpin (one process, concurrency {args.concurrency}): {t_defpin:7.2f} s  ({runs})")
    runs = ", ".join(f"{t:.2f}" for t in skopeo_times)
    print(f"skopeo inspect x {len(refs)}:                     {t_skopeo:7.2f} s  ({runs})")
    print(f"speed-up: {t_skopeo / t_defpin:.1f}x (target >= 10x)")
    print(f"defpin HTTP requests per reference: {per_ref:.2f}")
    print(f"digests equal to skopeo's: {len(refs) - len(mismatched)}/{len(refs)}")
    return 1 if mismatched else 0


def seed(reg: object, work: Path, count: int) -> list[str]:
    """Push one small image to 10 repositories and tag it `count` times in total."""
    from tests.support.registry import Registry

    assert isinstance(reg, Registry)
    layout = build_layout(work / "layout", [ImageSpec(files={"a": b"bench\n"})], tag="base")
    repos = [f"bench/r{k}" for k in range(10)]
    for repo in repos:
        reg.push_oci_layout(layout, f"{repo}:base", tag="base")
    refs = []
    for i in range(count):
        repo = repos[i % len(repos)]
        reg.tag(f"{repo}:base", f"t{i}")
        refs.append(f"{repo}:t{i}")
    return refs


def write_files(directory: Path, host: str, refs: list[str], nfiles: int) -> list[Path]:
    """Spread the references over `nfiles` multi-stage definition files."""
    directory.mkdir()
    buckets: list[list[str]] = [[] for _ in range(nfiles)]
    for i, ref in enumerate(refs):
        buckets[i % nfiles].append(ref)
    files = []
    for n, bucket in enumerate(buckets):
        stages = [
            f"Bootstrap: docker\nFrom: {host}/{ref}\nStage: s{k}\n\n%post\n    echo {k}\n"
            for k, ref in enumerate(bucket)
        ]
        path = directory / f"app{n:02d}.def"
        path.write_text("\n".join(stages))
        files.append(path)
    return files


def run_defpin(files: list[Path], concurrency: int) -> tuple[float, dict]:  # type: ignore[type-arg]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # The installed `defpin` script, as users run it (`python -m` where it is not installed).
    script = Path(sys.executable).parent / "defpin"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "defcheck.cli.defpin"]
    cmd = [*launcher, "--json", "--dry-run", "--concurrency", str(concurrency),
           *map(str, files)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # --dry-run: 1 = changes needed
        raise SystemExit(f"defpin failed ({proc.returncode}): {proc.stderr}")
    return elapsed, json.loads(proc.stdout)


def run_skopeo(host: str, refs: list[str]) -> tuple[float, dict[str, str]]:
    out: dict[str, str] = {}
    start = time.perf_counter()
    for ref in refs:
        proc = subprocess.run(
            ["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
             f"docker://{host}/{ref}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        out[ref] = proc.stdout.strip()
    return time.perf_counter() - start, out


if __name__ == "__main__":
    sys.exit(main())
