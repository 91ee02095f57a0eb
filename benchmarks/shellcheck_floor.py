"""The ShellCheck floor for `benchmarks/lint.py`: ShellCheck alone on the extracted bodies.

`defcheck lint` cannot be faster than running ShellCheck itself on the same section
bodies, so the lint benchmark reports its time as a ratio to this floor. The floor uses
the best plain way to run ShellCheck: every body in a file of its own, several files per
process, processes spread over the CPU cores, and no position mapping or parsing of the
output. Writing the files is not timed.

Usage (also importable: `extract_bodies`, `shellcheck_floor`):

    python benchmarks/shellcheck_floor.py ../shared/corpus/real
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from defcheck.shell.section import shellcheck_requests
from defcheck.shell.shellcheck import ShellCheckNotFound, find_shellcheck
from defcheck.shell.text import PreparedBody
from defcheck.syntax import parse


@dataclass(frozen=True)
class FloorResult:
    """What the floor measured."""

    files: int
    bodies: int
    processes: int
    seconds: float


def extract_bodies(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """`(dialect, body text as ShellCheck sees it)` for every shell section of `paths`."""
    bodies: list[tuple[str, str]] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            continue
        for _, request in shellcheck_requests(parse(text)):
            bodies.append((request.dialect.value, PreparedBody.prepare(request.text).text))
    return bodies


def shellcheck_floor(
    bodies: Sequence[tuple[str, str]], *, workers: int | None = None, per_worker: int = 4
) -> FloorResult:
    """Time ShellCheck alone on `bodies` (same batching and parallelism as defcheck)."""
    exe = find_shellcheck()
    if exe is None:
        raise ShellCheckNotFound()
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="defcheck-floor-") as tmp:
        groups: dict[str, list[tuple[int, str]]] = {}
        for i, (dialect, text) in enumerate(bodies):
            name = f"{i}.sh"
            (Path(tmp) / name).write_bytes(text.encode("utf-8", "surrogateescape"))
            groups.setdefault(dialect, []).append((len(text), name))
        commands: list[list[str]] = []
        for dialect, files in groups.items():
            count = min(len(files), workers * per_worker)
            bins: list[list[str]] = [[] for _ in range(count)]
            sizes = [0] * count
            for size, name in sorted(files, reverse=True):
                k = sizes.index(min(sizes))
                bins[k].append(name)
                sizes[k] += size
            base = [str(exe), "--format=json1", "--norc", f"--shell={dialect}"]
            commands.extend(base + b for b in bins if b)

        def run(args: list[str]) -> None:
            subprocess.run(args, cwd=tmp, capture_output=True, check=False)

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, commands))
        elapsed = time.perf_counter() - start
    return FloorResult(0, len(bodies), len(commands), elapsed)


def main(argv: list[str]) -> int:
    """Print the floor for the definition files under the given directories or files."""
    paths: list[Path] = []
    for arg in argv or ["../shared/corpus/real"]:
        root = Path(arg)
        paths.extend(sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root])
    bodies = extract_bodies(paths)
    result = shellcheck_floor(bodies)
    print(
        f"shellcheck floor: {len(paths)} files, {result.bodies} bodies, "
        f"{result.processes} processes, {result.seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
