"""Run defpin over files: targets -> queries -> resolutions -> outcomes and new texts.

No printing here (the CLI renders `PinReport`); no file is written here either:
`write_changes` does that, after every resolution has succeeded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING

from defcheck.errors import PinError
from defcheck.fileio import read_source, write_atomic
from defcheck.pin.query import (
    Kind,
    LibraryQuery,
    OciQuery,
    Platform,
    Query,
    Resolution,
    host_arch,
)
from defcheck.pin.reference import Agent, is_loopback, split_host_port
from defcheck.pin.rewrite import Style, pin_edit
from defcheck.pin.targets import Status, Target, find_targets
from defcheck.syntax import Edit, apply_edits, parse
from defcheck.syntax.record import record

if TYPE_CHECKING:
    from defcheck.pin.resolver import Resolver


class Mode(Enum):
    """What defpin is asked to do."""

    PIN = "pin"  # pin unpinned references
    UPDATE = "update"  # pin unpinned ones and move pins whose tag moved
    CHECK = "check"  # offline: report unpinned references
    CHECK_ONLINE = "check-online"  # also report pins whose tag moved (drift)


class Action(Enum):
    """The outcome for one target."""

    PIN = "pin"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    PINNED = "pinned"
    UNPINNED = "unpinned"
    DRIFT = "drift"
    NOT_APPLICABLE = "not-applicable"
    SKIPPED = "skipped"
    ERROR = "error"


@record
class Options:
    """Everything that changes what defpin resolves and writes."""

    mode: Mode = Mode.PIN
    style: Style = Style.DIGEST
    platform: Platform | None = None
    library_url: str | None = None


@record
class Outcome:
    """What happened to one target."""

    target: Target
    action: Action
    new_digest: str | None = None
    kind: Kind | None = None
    platform: str | None = None
    message: str = ""
    edit: Edit | None = None


@record
class SourceFile:
    """A definition file and its targets."""

    path: str
    text: str
    targets: tuple[Target, ...]


class PinReport:
    """Outcomes of a run, and the new text of each file that changes."""

    __slots__ = ("new_texts", "outcomes")

    def __init__(
        self, outcomes: list[Outcome] | None = None, new_texts: dict[str, str] | None = None
    ) -> None:
        self.outcomes: list[Outcome] = [] if outcomes is None else outcomes
        self.new_texts: dict[str, str] = {} if new_texts is None else new_texts

    def __repr__(self) -> str:
        return f"PinReport(outcomes={self.outcomes!r}, new_texts={self.new_texts!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not PinReport:
            return NotImplemented
        return (self.outcomes, self.new_texts) == (other.outcomes, other.new_texts)

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    @property
    def errors(self) -> list[Outcome]:
        """Outcomes that make the run fail (exit 2)."""
        return [o for o in self.outcomes if o.action is Action.ERROR]

    @property
    def needs_attention(self) -> list[Outcome]:
        """Unpinned references, drift, and edits (exit 1 in check and dry-run modes)."""
        wanted = (Action.UNPINNED, Action.DRIFT, Action.PIN, Action.UPDATE)
        return [o for o in self.outcomes if o.action in wanted]


def load(paths: Sequence[str]) -> list[SourceFile]:
    """Read and parse files (directories: every `*.def` below them, sorted)."""
    out: list[SourceFile] = []
    for path in expand_paths(paths):
        text = read_source(path)
        out.append(SourceFile(path, text, tuple(find_targets(parse(text), path))))
    return out


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files as given; directories replaced by the `*.def` files below them."""
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            from pathlib import Path  # only for directories

            out.extend(str(p) for p in sorted(Path(path).rglob("*.def")) if p.is_file())
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def query_for(target: Target, options: Options) -> Query | PinError | None:
    """The query resolving `target` under `options`; None if nothing to resolve."""
    pinned = target.status is Status.PINNED
    if target.status is Status.UNPINNED:
        if options.mode is Mode.CHECK or options.mode is Mode.CHECK_ONLINE:
            return None
    elif not pinned or target.tag_ref is None or options.mode in (Mode.PIN, Mode.CHECK):
        return None
    if target.transport is Agent.LIBRARY:
        lib = target.library
        if lib is None:
            return None
        if lib.host:
            scheme = "http" if is_loopback(split_host_port(lib.host)[0]) else "https"
            base = f"{scheme}://{lib.host}"
        elif target.library_url:
            base = target.library_url
        elif options.library_url:
            base = options.library_url
        else:
            return PinError(
                "no library URL: Apptainer has no default library; pass --library-url, "
                "set DEFPIN_LIBRARY_URL or add a `Library:` header"
            )
        if "://" not in base:
            base = f"https://{base}"
        arch = options.platform.architecture if options.platform else host_arch()
        return LibraryQuery(base, lib.full_path, lib.tag, arch)
    ref = target.docker
    if ref is None:
        return None
    return OciQuery(
        ref.api_host,
        ref.repository,
        ref.effective_tag,
        platform=options.platform,
        previous=target.digest if pinned else None,
    )


def _compare_digest(target: Target, resolution: Resolution) -> bool:
    """True if the pinned digest equals the resolution (library hashes use `sha256.`)."""
    old = target.digest or ""
    return old.replace("sha256.", "sha256:", 1) == resolution.digest.replace(
        "sha256.", "sha256:", 1
    )


def plan(
    files: Sequence[SourceFile],
    options: Options,
    resolver: Resolver,
    *,
    progress: Callable[[Query, Resolution | PinError], None] | None = None,
    on_queries: Callable[[int], None] | None = None,
) -> PinReport:
    """Resolve what `options.mode` needs and compute outcomes and new texts."""
    queries: dict[tuple[str, int], Query] = {}
    report = PinReport()
    early: dict[tuple[str, int], Outcome] = {}
    for src in files:
        for t in src.targets:
            key = (src.path, t.stage)
            q = query_for(t, options)
            if isinstance(q, PinError):
                early[key] = Outcome(t, Action.ERROR, message=str(q))
            elif q is not None:
                queries[key] = q
    if on_queries is not None:
        on_queries(len(set(queries.values())))
    results = resolver.resolve_all(queries.values(), progress=progress)
    for src in files:
        edits: list[Edit] = []
        for t in src.targets:
            key = (src.path, t.stage)
            if key in early:
                outcome = early[key]
            elif key in queries:
                outcome = _resolved_outcome(src.text, t, results[queries[key]], options)
            else:
                outcome = static_outcome(t, options)
            report.outcomes.append(outcome)
            if outcome.edit is not None:
                edits.append(outcome.edit)
        if edits:
            new_text = apply_edits(src.text, edits)
            if new_text != src.text:
                report.new_texts[src.path] = new_text
    return report


def offline_report(files: Sequence[SourceFile], options: Options) -> PinReport:
    """The report of `--check` without `--online`: no network at all."""
    return PinReport([static_outcome(t, options) for f in files for t in f.targets])


def static_outcome(t: Target, options: Options) -> Outcome:
    """The outcome of a target that needs no resolution."""
    if t.status is Status.NOT_APPLICABLE:
        return Outcome(t, Action.NOT_APPLICABLE, message=t.reason)
    if t.status is Status.SKIPPED:
        return Outcome(t, Action.SKIPPED, message=t.reason)
    if t.status is Status.INVALID:
        return Outcome(t, Action.ERROR, message=t.reason)
    if t.status is Status.UNPINNED:
        return Outcome(t, Action.UNPINNED, message=f"{t.tag_ref} is not pinned to a digest")
    if t.tag_ref is None and options.mode in (Mode.UPDATE, Mode.CHECK_ONLINE):
        return Outcome(
            t,
            Action.PINNED,
            message="pinned without a `# defpin: name:tag` comment; no tag to re-resolve",
        )
    return Outcome(t, Action.PINNED)


def _resolved_outcome(
    text: str, t: Target, result: Resolution | PinError, options: Options
) -> Outcome:
    if isinstance(result, PinError):
        return Outcome(t, Action.ERROR, message=str(result))
    kind, plat = result.kind, result.platform
    if t.status is Status.UNPINNED:
        digest = result.digest
        edit = pin_edit(text, t, digest, options.style)
        return Outcome(t, Action.PIN, digest, kind, plat, edit=edit)
    if _compare_digest(t, result):
        return Outcome(t, Action.UNCHANGED, result.digest, kind, plat)
    if options.mode is Mode.CHECK_ONLINE:
        return Outcome(
            t,
            Action.DRIFT,
            result.digest,
            kind,
            plat,
            message=f"{t.tag_ref} now resolves to {result.digest}, pinned {t.digest}",
        )
    edit = pin_edit(text, t, result.digest, options.style)
    return Outcome(t, Action.UPDATE, result.digest, kind, plat, edit=edit)


def check_writable(paths: Sequence[str]) -> list[str]:
    """Messages for files that cannot be replaced (checked before anything is written)."""
    problems: list[str] = []
    for path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        if not os.access(path, os.W_OK):
            problems.append(f"{path}: error: cannot write: file is read-only")
        elif not os.access(directory, os.W_OK | os.X_OK):
            problems.append(f"{path}: error: cannot write: directory {directory} is read-only")
    return problems


def write_changes(new_texts: dict[str, str]) -> list[str]:
    """Write every changed file atomically; return the paths written."""
    written = []
    for path, text in new_texts.items():
        if write_atomic(path, text):
            written.append(path)
    return written
