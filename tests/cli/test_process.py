"""`defcheck` as a process: the garbage collector and the fast exit of short commands."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

import defcheck.cli as cli
from helpers import EXAMPLES


@pytest.mark.parametrize(("command", "collector_on"), [("lint", False), ("lsp", True)])
def test_collector_is_off_only_for_short_commands(
    monkeypatch: pytest.MonkeyPatch, command: str, collector_on: bool
) -> None:
    seen: list[bool] = []
    exits: list[int] = []

    def fake_main(args: list[str]) -> int:
        if args[0] in cli._LONG_RUNNING:
            gc.enable()  # what the real `_main` does before running a long command
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_main", fake_main)
    monkeypatch.setattr(cli, "_exit_now", exits.append)
    monkeypatch.setattr(cli, "_before_exit", lambda: None)
    monkeypatch.setattr(sys, "argv", ["defcheck", command])
    was = gc.isenabled()
    try:
        assert cli.main() == 0
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [collector_on]
    assert exits == ([] if collector_on else [0]), "long commands exit the normal way"


def test_fast_exit_keeps_output_and_status(tmp_path: Path) -> None:
    """The report is complete and the exit status right when the process ends at once,
    also when the report goes to a file (`--output`)."""
    report = tmp_path / "report.json"
    target = str(EXAMPLES / "unpinned-tags.def")
    args = ["--no-shellcheck", "--format", "json"]
    piped = subprocess.run(
        [sys.executable, "-m", "defcheck", "lint", *args, target],
        capture_output=True,
        text=True,
        check=False,
    )
    to_file = subprocess.run(
        [sys.executable, "-m", "defcheck", "lint", *args, "--output", str(report), target],
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.returncode == to_file.returncode == 1
    assert piped.stdout.rstrip().endswith("]") or piped.stdout.rstrip().endswith("}")
    assert report.read_text(encoding="utf-8") == piped.stdout
