"""Formatter benchmark: corpus throughput and the cost of the safety checks.

    python benchmarks/format.py [--corpus DIR] [--repeat N]

Formats every corpus file Apptainer accepts in one process, twice per round: once with
`safe=False` (formatting alone: parse, shell analysis, layout) and once with the safety
checks (equivalence of Apptainer's view and stability). Caches are cleared before each
pass so both start cold; times are this process's CPU time (other jobs on the machine
barely disturb them), the best of `--repeat` rounds. Prints files/s for each and the
safety checks' cost as a ratio to formatting alone (target: under 0.5x), measured in the
same run. The corpus defaults
to ../shared/corpus/real; without it, the examples are used.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from defcheck.format import format_text, layout  # noqa: E402
from defcheck.syntax import parse  # noqa: E402


def _clear_caches() -> None:
    layout._CACHE.clear()
    try:
        from defcheck.shell.tree import clear_cache

        clear_cache()
    except ImportError:  # pragma: no cover - without the shell helper
        pass


def _pass(texts: list[str], *, safe: bool) -> float:
    _clear_caches()
    start = time.process_time()
    for text in texts:
        format_text(text, safe=safe)
    return time.process_time() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "real")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    corpus = args.corpus if args.corpus.is_dir() else REPO / "examples"
    texts = [p.read_bytes().decode("utf-8", "surrogateescape") for p in sorted(corpus.iterdir())]
    texts = [t for t in texts if not parse(t).errors]
    for t in texts:  # warm-up: imports, tree-sitter language, regexes
        format_text(t, safe=False)
    plain = checked = float("inf")
    for _ in range(args.repeat):
        plain = min(plain, _pass(texts, safe=False))
        checked = min(checked, _pass(texts, safe=True))
    safety = checked - plain
    ratio = safety / plain
    print(f"corpus: {corpus} ({len(texts)} files Apptainer accepts)")
    print(f"format alone:        {plain:7.3f} s  {len(texts) / plain:8.1f} files/s")
    print(f"format + safety:     {checked:7.3f} s  {len(texts) / checked:8.1f} files/s")
    print(f"safety checks cost:  {safety:7.3f} s  = {ratio:.2f}x formatting (target < 0.5x)")
    return 0 if ratio < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
