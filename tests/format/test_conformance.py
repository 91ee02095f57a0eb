"""Every corpus file Apptainer accepts: formatting succeeds, is safe and idempotent (100%).

Reads `../shared/corpus/real/` next to the repository; skipped with a reason when it is
absent, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from defcheck.fileio import read_source
from defcheck.format import FormatOptions, format_text, layout
from defcheck.format.safety import check_equivalent
from defcheck.syntax import parse
from helpers import missing

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "real"

pytestmark = pytest.mark.conformance


def _corpus() -> list[Path]:
    if not CORPUS.is_dir():
        missing(f"corpus not found at {CORPUS} (needs the shared/ checkout beside the repo)")
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert files, f"{CORPUS} is empty"
    return files


def _accepted() -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for path in _corpus():
        try:
            text = read_source(path, strict_utf8=False)
        except Exception:
            continue
        if not parse(text).errors:
            out.append((path, text))
    return out


def test_corpus_formats_safely_and_idempotently() -> None:
    accepted = _accepted()
    assert len(accepted) >= 100
    failures: list[str] = []
    for options in (FormatOptions(), FormatOptions(indent="\t", sort_sections=True)):
        for path, text in accepted:
            try:
                out = format_text(text, options=options)  # equivalence + stability inside
                check_equivalent(text, out)
                # Idempotence again with a fresh shell analysis of the output.
                layout._CACHE.clear()
                if format_text(out, options=options, safe=False) != out:
                    failures.append(f"{path.name}: not idempotent")
            except Exception as exc:
                failures.append(f"{path.name}: {exc}")
    assert not failures, "\n".join(failures[:20])
