"""Snapshots (syrupy, one text file each) of the formatted examples and hard cases.

`pytest tests/format --snapshot-update` rewrites them; review the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from defcheck.errors import ParseError
from defcheck.format import format_text
from format.casefile import all_cases, read_case

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.def"))
HARD = [
    p
    for p in all_cases()
    if p.stem
    in {
        "heredoc_post",
        "heredoc_indented_eof",
        "heredoc_strip_tabs",
        "multiline_string",
        "continuations",
        "header_comments",
        "crlf",
        "multistage",
        "apps",
        "placeholders",
    }
]


class TextSnapshot(SingleFileSnapshotExtension):
    """One `.txt` file per snapshot."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


@pytest.fixture
def snapshot_text(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(TextSnapshot)


def _render(source: str) -> str:
    try:
        out = format_text(source)
    except ParseError as exc:
        return f"not formatted: {exc}\n"
    return out.replace("\r\n", "\u240d\n")  # show CRLF visibly


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_snapshot(path: Path, snapshot_text: SnapshotAssertion) -> None:
    assert _render(path.read_text(encoding="utf-8")) == snapshot_text


@pytest.mark.parametrize("path", HARD, ids=[p.stem for p in HARD])
def test_hard_case_snapshot(path: Path, snapshot_text: SnapshotAssertion) -> None:
    assert _render(read_case(path).source) == snapshot_text


def test_examples_present() -> None:
    assert len(EXAMPLES) >= 5 and len(HARD) == 10
