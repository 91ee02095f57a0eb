"""How `defcheck fmt` changes the corpus: files changed and the most common changes.

    python benchmarks/format_corpus_report.py [--corpus DIR]

Formats every corpus file Apptainer accepts with the default options and classifies the
changes by comparing the parsed input and output element by element (header fields,
section lines, bodies). Prints a Markdown table (pasted into docs/formatter.md).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from defcheck.format import format_text  # noqa: E402
from defcheck.syntax import parse  # noqa: E402
from defcheck.syntax.views import Section  # noqa: E402


def _body(text: str, sec: Section) -> list[str]:
    return [ln.span.slice(text) for ln in sec.body_lines]


def classify(source: str, output: str) -> set[str]:
    """The kinds of change between a file and its formatted output."""
    kinds: set[str] = set()
    a, b = parse(source), parse(output)
    if not source.endswith("\n"):
        kinds.add("final line ending added")
    if source.lstrip("\r\n") != source:
        kinds.add("blank lines at the start of the file removed")
    for sa, sb in zip(a.all_stages, b.all_stages, strict=False):
        fa = [(f.key, f.span.slice(source)) for f in sa.header]
        fb = [(f.key, f.span.slice(output)) for f in sb.header]
        if [f.norm for f in sa.header] != [f.norm for f in sb.header]:
            kinds.add("header fields put in canonical order")
        if sorted(k for k, _ in fa) != sorted(k for k, _ in fb):
            kinds.add("header key spelling made canonical (`BootStrap` -> `Bootstrap`)")
        texts_a = sorted(t.replace(k, "", 1) for k, t in fa)
        texts_b = sorted(t.replace(k, "", 1) for k, t in fb)
        if texts_a != texts_b:
            kinds.add("header `Key: value` spacing or inline-comment spacing")
        blanks_a = sum(1 for kind, _ in sa.header_items if kind == "BLANK_LINE")
        blanks_b = sum(1 for kind, _ in sb.header_items if kind == "BLANK_LINE")
        if blanks_a != blanks_b:
            kinds.add("blank lines in or after the header")
        for xa, xb in zip(sa.sections, sb.sections, strict=False):
            if xa.head != xb.head:
                if xa.kind != xa.written or xa.head.lstrip().startswith("%%"):
                    kinds.add("section name lower-cased or `%%` made `%`")
                elif xa.head.strip() != xb.head:
                    kinds.add("section line: indentation or trailing blanks")
                else:
                    kinds.add("section arguments: blanks made single")
            la, lb = _body(source, xa), _body(output, xb)
            na = [x for x in la if x.strip()]
            nb = [x for x in lb if x.strip()]
            if len(la) - len(na) != len(lb) - len(nb) or (la and not la[-1].strip()):
                kinds.add("blank lines in bodies (one between sections, runs collapsed)")
            if len(na) == len(nb):
                if any(x.lstrip() != y.lstrip() for x, y in zip(na, nb, strict=True)):
                    if xa.kind in ("labels", "applabels"):
                        kinds.add("%labels values aligned")
                    elif xa.kind in ("files", "appfiles"):
                        kinds.add("%files blanks between paths made single")
                if any(
                    x.rstrip(" \t") != x and x.rstrip(" \t").lstrip() == y.strip()
                    for x, y in zip(na, nb, strict=True)
                ):
                    kinds.add("trailing blanks removed")
                if any(
                    x.lstrip(" \t") == y.lstrip(" \t")
                    and x != y
                    and x[: len(x) - len(x.lstrip())] != y[: len(y) - len(y.lstrip())]
                    for x, y in zip(na, nb, strict=True)
                ):
                    kinds.add("bodies re-indented (4 spaces, relative nesting kept)")
        if len(sb.sections) and len(sa.sections) != len(sb.sections):
            kinds.add("sections changed (unexpected)")
    return kinds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "real")
    args = ap.parse_args()
    files = sorted(p for p in args.corpus.iterdir() if p.is_file())
    counts: collections.Counter[str] = collections.Counter()
    accepted = changed = 0
    lines_changed = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        if parse(text).errors:
            continue
        accepted += 1
        out = format_text(text)
        if out == text:
            continue
        changed += 1
        import difflib

        lines_changed += sum(
            1
            for line in difflib.unified_diff(text.splitlines(), out.splitlines(), lineterm="")
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        )
        counts.update(classify(text, out))
    print(f"Corpus: {len(files)} files, {accepted} accepted by Apptainer; ")
    print(f"{changed} change ({accepted - changed} are already formatted); ")
    print(f"{lines_changed} diff lines (+/-) in all.\n")
    print("| change | files |")
    print("| --- | ---: |")
    for kind, n in counts.most_common():
        print(f"| {kind} | {n} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
