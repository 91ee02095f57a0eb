"""`python -m defcheck.dev gen-tables [--check]` and `gen-docs [--check]`."""

from __future__ import annotations

import sys
from pathlib import Path


def gen_tables(check: bool) -> int:
    """Regenerate `syntax/_tables.py` from the grammar (or check it is current)."""
    from defcheck.syntax.lalr import grammar_key, grammar_path, render_tables

    target = Path(__file__).resolve().parents[1] / "syntax" / "_tables.py"
    text = Path(grammar_path()).read_text(encoding="utf-8")
    if check:
        # State numbers may differ between Lark runs; the key is the grammar text.
        from defcheck.syntax import _tables

        if grammar_key(text) != _tables.GRAMMAR:
            print(f"{target}: stale; run `python -m defcheck.dev gen-tables`", file=sys.stderr)
            return 1
        return 0
    target.write_text(render_tables(text), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def main(argv: list[str]) -> int:
    """Dispatch developer commands."""
    if not argv:
        print("usage: python -m defcheck.dev gen-tables|gen-docs [--check]", file=sys.stderr)
        return 2
    check = "--check" in argv[1:]
    if argv[0] == "gen-tables":
        return gen_tables(check)
    if argv[0] == "gen-docs":
        from defcheck.dev.docs import gen_docs

        return gen_docs(check)
    print(f"unknown command {argv[0]!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
