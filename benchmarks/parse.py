"""Parser benchmark: corpus throughput in-process and cold start of `defcheck parse`.

    python benchmarks/parse.py [--corpus DIR] [--repeat N]

Prints files/s and MB/s for parsing every corpus file to typed views (stages, header
fields, sections, %files entries, labels, placeholders) plus Apptainer's verdict, and the
cold start of `defcheck parse --apptainer-json FILE` as a ratio to `python -c pass`, both
measured in the same run. Targets (2-core machine): the 331-file corpus in under 0.4 s;
cold start under 60 ms. The corpus defaults to ../shared/corpus/real (maintainers only);
without it, the examples are used.
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

from defcheck.syntax import parse  # noqa: E402


def touch_views(text: str) -> int:
    """Parse and walk every typed view, as the linter does; returns a node count."""
    doc = parse(text)
    n = len(doc.diagnostics)
    for stage in doc.stages:
        n += len(stage.header)
        for sec in stage.sections:
            n += 1
            if sec.kind in ("files", "appfiles"):
                n += len(sec.files_entries())
            elif sec.kind in ("labels", "applabels"):
                n += len(sec.labels())
            elif sec.kind == "arguments":
                n += len(sec.arguments())
    return n + len(doc.placeholders) + len(doc.comments)


def bench_corpus(files: list[Path], repeat: int) -> tuple[float, int, int]:
    texts = [p.read_bytes().decode("utf-8", "surrogateescape") for p in files]
    size = sum(len(p.read_bytes()) for p in files)
    for t in texts:  # warm-up: tables and regexes loaded
        touch_views(t)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for t in texts:
            touch_views(t)
        best = min(best, time.perf_counter() - start)
    return best, len(texts), size


def cold(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "real")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = sorted(args.corpus.glob("*.def")) if args.corpus.is_dir() else []
    if not files:
        files = sorted((REPO / "examples").glob("*.def"))
        print(f"corpus not found; using {len(files)} examples")
    secs, n, size = bench_corpus(files, args.repeat)
    print(f"corpus: {n} files, {size / 1e6:.2f} MB parsed to typed views in {secs:.3f} s")
    print(f"  {n / secs:,.0f} files/s, {size / 1e6 / secs:.2f} MB/s, {secs / n * 1e3:.2f} ms/file")
    print(f"  target: whole 331-file corpus < 0.400 s -> {'OK' if secs < 0.4 else 'MISSED'}")
    # The installed console script, with bytecode compiled as pip does on install.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "defcheck")],
        stdout=subprocess.DEVNULL,
        check=False,
    )
    script = Path(sys.executable).with_name("defcheck")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "defcheck"]
    sample = str(files[0])
    base = cold([sys.executable, "-c", "pass"], 21)
    ours = cold([*exe, "parse", "--apptainer-json", sample], 21)
    print(
        f"cold start: python -c pass {base * 1e3:.1f} ms; defcheck parse --apptainer-json "
        f"{ours * 1e3:.1f} ms; ratio {ours / base:.2f}x"
    )
    print(f"  target: < 60 ms -> {'OK' if ours < 0.060 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
