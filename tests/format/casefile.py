"""Black-style formatter case files: `cases/<name>.def`.

An optional first line `# flags: ...`, the input, a line `# output`, the expected output
(no `# output` line: the input must come out unchanged). Flags: `--indent=N|tab`,
`--line-ending=preserve|lf|crlf`, `--sort-sections`, `--preview`, `--force-partial`, and
`--crlf` (test only: input and expected use CRLF line endings, so the files on disk stay LF).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from defcheck.format import FormatOptions, Preview
from defcheck.format.options import parse_indent

CASES = Path(__file__).parent / "cases"
SEPARATOR = "# output\n"


@dataclass(frozen=True)
class Case:
    """One case: options, input and expected output."""

    name: str
    flags: tuple[str, ...]
    source: str
    expected: str
    options: FormatOptions
    force_partial: bool


def read_case(path: Path) -> Case:
    """Parse a case file."""
    text = path.read_text(encoding="utf-8")
    flags: tuple[str, ...] = ()
    if text.startswith("# flags:"):
        first, _, text = text.partition("\n")
        flags = tuple(first[len("# flags:") :].split())
    source, sep, expected = text.partition(SEPARATOR)
    if not sep:
        expected = source
    options = FormatOptions()
    force_partial = False
    crlf = False
    for flag in flags:
        name, _, value = flag.partition("=")
        if name == "--indent":
            options = replace(options, indent=parse_indent(value))
        elif name == "--line-ending":
            options = replace(options, line_ending=value)
        elif name == "--sort-sections":
            options = replace(options, sort_sections=True)
        elif name == "--preview":
            options = replace(options, preview=frozenset(Preview))
        elif name == "--force-partial":
            force_partial = True
        elif name == "--crlf":
            crlf = True
        else:
            raise ValueError(f"{path.name}: unknown flag {flag}")
    if crlf:
        source = source.replace("\n", "\r\n")
        expected = expected.replace("\n", "\r\n")
    return Case(path.stem, flags, source, expected, options, force_partial)


def all_cases() -> list[Path]:
    """Every case file, sorted."""
    return sorted(CASES.glob("*.def"))


def write_expected(path: Path, output: str) -> None:
    """Rewrite a case file with `output` as its expected output (maintenance helper)."""
    text = path.read_text(encoding="utf-8")
    head = ""
    if text.startswith("# flags:"):
        first, _, text = text.partition("\n")
        head = first + "\n"
    source = text.partition(SEPARATOR)[0]
    output = output.replace("\r\n", "\n")
    body = source if output == source else source + SEPARATOR + output
    path.write_text(head + body, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - `python tests/format/casefile.py`
    from defcheck.format import format_text

    for case_path in all_cases():
        case = read_case(case_path)
        write_expected(
            case_path,
            format_text(case.source, options=case.options, force_partial=case.force_partial),
        )
        print("updated", case_path.name)
