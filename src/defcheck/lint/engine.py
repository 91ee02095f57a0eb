"""The lint engine: run the rules, ShellCheck, suppressions and severities on documents.

Rules are pure generators (see `registry.py`); everything else happens here, in this
order for each document:

1. every enabled rule runs on a `RuleContext`; a rule that raises becomes a `DEF002`
   finding naming the rule, and the run goes on (sqlfluff's model);
2. script bodies go to ShellCheck, batched across *all* documents of one run (one
   process per batch, in parallel), and its comments become findings with their own
   `SC` codes;
3. per-file ignores and `# defcheck: ignore[...]` comments drop findings; suppressions
   that dropped nothing become `DEF003` findings;
4. each finding gets its rule name and its severity (the rule's default or the
   configured override), and findings are sorted by position.

>>> from defcheck.syntax import parse
>>> [f.code for f in lint_document(parse("Bootstrap: docker\\nFrom: alpine:3.20\\n%enviroment\\n"),
...                                shellcheck=False) if f.code.startswith("DEF4")]
['DEF401']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from defcheck.errors import SourceError
from defcheck.lint.config import LintConfig, load_config
from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Fix, RuleMeta, Severity
from defcheck.lint.registry import Rule, all_rules, get_rule
from defcheck.lint.selection import Selection
from defcheck.lint.suppress import Suppression, apply_suppressions, find_suppressions
from defcheck.syntax import Document, Edit, Section, Span, parse
from defcheck.syntax.record import mutable_record, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from defcheck.shell.section import StartedChecks
    from defcheck.shell.shellcheck import ShellCheckFinding, ShellCheckRequest, ShellCheckRun

PARSE_ERROR = "DEF001"
RULE_CRASH = "DEF002"
UNUSED_SUPPRESSION = "DEF003"
SHELLCHECK_UNAVAILABLE = "DEF004"

_SC_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}


@record  # not @dataclass: importing dataclasses costs more start-up than a lint run
class FileResult:
    """The outcome of linting one file: its findings, or the error that stopped it."""

    path: str
    text: str | None
    findings: tuple[Finding, ...] = ()
    error: SourceError | None = None
    config: LintConfig | None = None


@mutable_record  # not @dataclass: each dataclass costs ~1 ms of start-up
class _Job:
    doc: Document
    path: str | None
    config: LintConfig
    selection: Selection
    findings: list[Finding]
    shell: list[tuple[int, ShellCheckRequest]]  # the bodies ShellCheck checks for this job
    slots: int = 0  # this document's requests in the ShellCheck run (checked or not)


def selection_for(config: LintConfig, path: str | Path | None = None) -> Selection:
    """The `Selection` for a file: config selectors plus its per-file ignores.

    Files with the same selectors share one `Selection` (which remembers its answers).
    """
    key = (config.select, config.extend_select, config.ignore + config.ignored_for_path(path))
    found = _selections.get(key)
    if found is None:
        if len(_selections) > 64:
            _selections.clear()
        found = _selections[key] = Selection(select=key[0], extend_select=key[1], ignore=key[2])
    return found


_selections: dict[tuple[object, ...], Selection] = {}


def lint_document(
    doc: Document,
    *,
    path: str | Path | None = None,
    config: LintConfig | None = None,
    shellcheck: bool = True,
    incremental: bool = False,
) -> list[Finding]:
    """Lint one parsed document and return its findings, sorted by position.

    `config` defaults to `LintConfig()` (no file discovery; use `load_config` for that).
    ShellCheck runs when both `shellcheck` and `config.shellcheck` are true. With
    `incremental` (the language server), big shell bodies are analysed chunk by chunk and
    the results memoised (`defcheck.lint.incremental`): the findings are the same, and
    linting the next version of the text costs about what changed.
    """
    cfg = config if config is not None else LintConfig()
    item = (doc, None if path is None else str(path), cfg)
    return lint_documents([item], shellcheck=shellcheck, incremental=incremental)[0]


def lint_text(
    text: str,
    *,
    path: str | Path | None = None,
    config: LintConfig | None = None,
    shellcheck: bool = True,
) -> list[Finding]:
    """Parse and lint `text`."""
    return lint_document(parse(text), path=path, config=config, shellcheck=shellcheck)


def lint_documents(
    items: Sequence[tuple[Document, str | None, LintConfig]],
    *,
    shellcheck: bool = True,
    incremental: bool = False,
    started: StartedChecks | None = None,
) -> list[list[Finding]]:
    """Lint many documents in one go; ShellCheck runs once over all their bodies.

    ShellCheck starts first, in the background (its processes run while the rules run),
    so the rules cost little more than ShellCheck alone. `started` is ShellCheck already
    running on these documents' bodies (`defcheck.shell.section.start_checking(docs)`,
    same documents, same order), as `defcheck lint` starts it before importing the
    linter; documents whose configuration turns ShellCheck off do not get its findings.
    """
    jobs: list[_Job] = []
    for k, (doc, path, config) in enumerate(items):
        selection = selection_for(config, path)
        job = _Job(doc, path, config, selection, [], [])
        wanted = shellcheck and config.shellcheck and _any_sc_enabled(selection)
        if started is not None:
            requests = list(enumerate(req for _, req in started.requests[k]))
            job.shell = requests if wanted else []
            job.slots = len(requests)
        elif wanted:
            job.shell = _shell_requests(doc)
            job.slots = len(job.shell)
        jobs.append(job)
    pending: ShellCheckRun | None
    if started is None:
        pending = _start_shellcheck(jobs)
    elif any(job.shell for job in jobs):
        pending = started.run
    else:
        started.discard()
        pending = None
    rules = all_rules()
    with _NoCyclicGC():  # the whole batch: the documents stay alive until it ends
        for job in jobs:
            job.findings = _run_rules(
                job.doc, job.path, job.config, job.selection, rules, incremental
            )
        if pending is not None:
            _collect_shellcheck(jobs, pending)
        return [_finish(job) for job in jobs]


class _NoCyclicGC:
    """Pause the cyclic garbage collector while documents are linted.

    Linting makes tens of thousands of small objects and almost no cyclic garbage (the
    331-file corpus lints in one batch with the same peak memory either way); meanwhile
    the collector would walk every live object (all the batch's documents, or in the
    language server the whole server) again and again. Reference counting still frees
    everything at once; cycles are collected once the collector runs again.
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        import gc

        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            import gc

            gc.enable()


def _any_sc_enabled(selection: Selection) -> bool:
    if selection.use_defaults or any(s == "ALL" or s.startswith("SC") for s in selection.positive):
        return not any(s in ("SC", "ALL") for s in selection.negative)
    return False


def _run_rules(
    doc: Document,
    path: str | None,
    config: LintConfig,
    selection: Selection,
    rules: Iterable[Rule],
    incremental: bool = False,
) -> list[Finding]:
    from defcheck.lint.incremental import big_sections, chunking

    big = big_sections(doc) if incremental else []
    with chunking(bool(big)):
        return _run_selected(doc, path, config, selection, rules, big)


def _run_selected(
    doc: Document,
    path: str | None,
    config: LintConfig,
    selection: Selection,
    rules: Iterable[Rule],
    big: list[Section],
) -> list[Finding]:
    from defcheck.lint.incremental import is_chunk_local, run_chunk_local

    out: list[Finding] = []
    chunked: list[tuple[Rule, RuleContext]] = []
    for rule_, options in _plan(selection, config, rules):
        meta = rule_.meta
        ctx = RuleContext(
            doc=doc, code=meta.code, path=path, options=options, settings=config.settings
        )
        if big and is_chunk_local(rule_):
            chunked.append((rule_, ctx))  # big shell bodies: chunk by chunk, memoised
            continue
        try:
            out.extend(rule_.check(ctx))
        except Exception as exc:  # a crashing rule must not stop the run
            out.append(_crash(meta, exc))
    if chunked:
        out.extend(run_chunk_local(chunked, big, _crash))
    return out


def _plan(
    selection: Selection, config: LintConfig, rules: Iterable[Rule]
) -> list[tuple[Rule, dict[str, object]]]:
    """The enabled rules with their options (the same for every file of a run)."""
    last = _last_plan.get("plan")
    if last is not None and last[0] is selection and last[1] is config and last[2] is rules:
        return last[3]
    plan: list[tuple[Rule, dict[str, object]]] = []
    for rule_ in rules:
        meta = rule_.meta
        if selection.enabled(meta.code, meta.name, default_enabled=meta.default_enabled):
            options = dict(meta.options)
            options.update(config.options_for(meta.code, meta.name))
            plan.append((rule_, options))
    _last_plan["plan"] = (selection, config, rules, plan)
    return plan


#: The last run's (selection, config, rules, plan): a run lints its files with one plan.
_last_plan: dict[
    str, tuple[Selection, LintConfig, Iterable[Rule], list[tuple[Rule, dict[str, object]]]]
] = {}


def _crash(meta: RuleMeta, exc: Exception) -> Finding:
    """The finding that reports a crashing rule (the run goes on without it)."""
    return Finding(
        RULE_CRASH,
        f"rule {meta.code} ({meta.name}) crashed: {type(exc).__name__}: {exc}; "
        f"please report this bug. Silence it with `# defcheck: "
        f'ignore-file[{meta.code}]` or `ignore = ["{meta.code}"]`',
        Span(0, 0),
    )


# -- ShellCheck -------------------------------------------------------------------------


def _shell_requests(doc: Document) -> list[tuple[int, ShellCheckRequest]]:
    """One ShellCheck request per shell body (the shell package decides the dialect)."""
    from defcheck.shell.section import shellcheck_requests

    return [(i, req) for i, (_, req) in enumerate(shellcheck_requests(doc))]


def _start_shellcheck(jobs: list[_Job]) -> ShellCheckRun | None:
    """Start ShellCheck on every job's requests; its processes run while the rules run.

    They are started right here (`start_bodies` spawns them without a thread), before
    the rules are even imported; errors surface when the result is collected.
    """
    requests = [req for job in jobs for _, req in job.shell]
    if not requests:
        return None
    from defcheck.shell.shellcheck import start_bodies

    return start_bodies(requests)


def _collect_shellcheck(jobs: list[_Job], pending: ShellCheckRun) -> None:
    """Wait for ShellCheck and add its findings (or DEF004 if it could not run)."""
    try:
        results = pending.result()
    except Exception as exc:  # ShellCheckError, or a bug: report it, keep the rules' findings
        for job in jobs:
            if job.shell:
                job.findings.append(Finding(SHELLCHECK_UNAVAILABLE, str(exc), Span(0, 0)))
        return
    k = 0
    for job in jobs:
        if job.shell:
            for found in results[k : k + job.slots]:
                job.findings.extend(_sc_finding(f, job.doc) for f in found)
        k += job.slots


def _sc_finding(sc: ShellCheckFinding, doc: Document) -> Finding:
    end = min(max(sc.span.end, sc.span.start), len(doc.text))
    span = Span(min(sc.span.start, end), end)
    fix = None
    if sc.fix:
        fix = Fix(f"apply ShellCheck's suggestion for {sc.code}", sc.fix, Applicability.UNSAFE)
    return Finding(
        sc.code,
        sc.message,
        span,
        severity=_SC_LEVELS.get(sc.level, Severity.WARNING),
        fix=fix,
        name="shellcheck",
    )


# -- finishing --------------------------------------------------------------------------


def _finish(job: _Job) -> list[Finding]:
    doc, config, selection = job.doc, job.config, job.selection
    findings = [
        f
        for f in job.findings
        if f.code in (RULE_CRASH, SHELLCHECK_UNAVAILABLE)
        or selection.enabled(f.code, _name(f), default_enabled=_default_enabled(f.code))
    ]
    suppressions = find_suppressions(doc.text)
    if suppressions:
        line_of = {f.span.start: doc.lines.line_of(f.span.start) for f in findings}
        findings = apply_suppressions(findings, suppressions, line_of)
        if selection.enabled(UNUSED_SUPPRESSION, "unused-suppression"):
            findings.extend(_unused(suppressions, selection, job.shell != []))
    looks: dict[str, tuple[Severity | None, str | None]] = {}
    out = [_decorate(f, config, looks) for f in _drop_explained(findings, doc)]
    out.sort(key=lambda f: (f.span.start, f.span.end, f.code))
    return _dedupe(out)


#: Rules whose finding says more about Apptainer's rejection than `DEF001` itself.
EXPLAINS_PARSE_ERROR = frozenset(
    {"DEF401", "DEF402", "DEF410", "DEF502", "DEF504", "DEF508", "DEF509", "DEF510"}
)


def _drop_explained(findings: list[Finding], doc: Document) -> list[Finding]:
    """Leave out `DEF001` when a more specific rule reports the same line."""
    parse_errors = [f for f in findings if f.code == PARSE_ERROR]
    if not parse_errors:
        return findings
    lines = {doc.lines.line_of(f.span.start) for f in findings if f.code in EXPLAINS_PARSE_ERROR}
    return [
        f for f in findings if f.code != PARSE_ERROR or doc.lines.line_of(f.span.start) not in lines
    ]


def _name(finding: Finding) -> str:
    if finding.name:
        return finding.name
    rule_ = get_rule(finding.code)
    return rule_.meta.name if rule_ else ""


def _default_enabled(code: str) -> bool:
    rule_ = get_rule(code)
    return rule_.meta.default_enabled if rule_ else True


def _decorate(
    finding: Finding,
    config: LintConfig,
    looks: dict[str, tuple[Severity | None, str | None]] | None = None,
) -> Finding:
    """The finding with its rule's name and its (configured) severity.

    `looks` caches, per code, the severity and name to set (`None`: keep the finding's).
    """
    code = finding.code
    look = looks.get(code) if looks is not None else None
    if look is None:
        rule_ = get_rule(code)
        fixed_sev = rule_.meta.severity if rule_ is not None else None
        fixed_name = rule_.meta.name if rule_ is not None else None
        override = config.severity_for(code)
        look = (override if override is not None else fixed_sev, fixed_name)
        if looks is not None:
            looks[code] = look
    severity = finding.severity if look[0] is None else look[0]
    name = finding.name if look[1] is None else look[1]
    if severity is finding.severity and name == finding.name:
        return finding
    return _with(finding, severity, name)


def _with(finding: Finding, severity: Severity, name: str) -> Finding:
    """A copy of `finding` with another severity and name; copying the `__dict__` of the
    record (no `__post_init__`, no slots) skips `__init__` (the language server decorates
    thousands of findings per keystroke)."""
    new = object.__new__(Finding)
    new.__dict__.update(finding.__dict__)
    new.__dict__["severity"] = severity
    new.__dict__["name"] = name
    return new


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.code, f.span.start, f.span.end, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _unused(
    suppressions: list[Suppression], selection: Selection, shellcheck_ran: bool
) -> list[Finding]:
    out: list[Finding] = []
    for sup in suppressions:
        if not sup.codes:
            if not sup.used:
                out.append(
                    Finding(
                        UNUSED_SUPPRESSION,
                        "unused suppression: nothing to ignore here",
                        sup.span,
                        fix=Fix("remove the comment", (Edit(sup.line_span, ""),)),
                    )
                )
            continue
        unused = []
        for code in sup.codes:
            if code in sup.used:
                continue
            rule_ = get_rule(code)
            if code.startswith("SC"):
                if not shellcheck_ran:
                    continue  # ShellCheck did not run: we cannot tell
            elif rule_ is None:
                unused.append(code)
                continue
            if rule_ is not None and not selection.enabled(
                code, rule_.meta.name, default_enabled=rule_.meta.default_enabled
            ):
                continue
            unused.append(code)
        if not unused:
            continue
        kept = [c for c in sup.codes if c not in unused]
        if kept:
            kind = "ignore-file" if sup.file_level else "ignore"
            new = f"# defcheck: {kind}[{', '.join(kept)}]"
            edit = Edit(sup.span, new)
        else:
            edit = Edit(sup.line_span, "")
        label = ", ".join(unused)
        unknown = [c for c in unused if not c.startswith("SC") and get_rule(c) is None]
        what = "unknown rule code" if unknown == unused else "unused suppression"
        out.append(
            Finding(
                UNUSED_SUPPRESSION,
                f"{what}: {label}",
                sup.span,
                fix=Fix(f"remove {label} from the comment", (edit,)),
            )
        )
    return out


# -- files ------------------------------------------------------------------------------


def lint_paths(
    paths: Sequence[str | Path],
    *,
    config: LintConfig | None = None,
    shellcheck: bool = True,
) -> list[FileResult]:
    """Lint files and directories (definition files found inside, see `discover`).

    Each file uses `config` if given, else the nearest configuration file above it.
    Unreadable files give a `FileResult` with `error` set; `ConfigError` propagates.
    """
    from defcheck.fileio import read_source
    from defcheck.lint.discover import discover

    results: list[FileResult | None] = []
    items: list[tuple[Document, str | None, LintConfig]] = []
    slots: list[int] = []
    for file in discover(paths):
        cfg = config if config is not None else load_config(start=file)
        try:
            text = read_source(file)
        except SourceError as exc:
            results.append(FileResult(str(file), None, error=exc, config=cfg))
            continue
        slots.append(len(results))
        results.append(FileResult(str(file), text, config=cfg))
        items.append((parse(text), str(file), cfg))
    linted = lint_documents(items, shellcheck=shellcheck)
    for slot, findings in zip(slots, linted, strict=True):
        res = results[slot]
        assert res is not None
        results[slot] = FileResult(res.path, res.text, tuple(findings), res.error, res.config)
    return [r for r in results if r is not None]


def failing(findings: Iterable[Finding], threshold: Severity) -> bool:
    """True if any finding is at or above `threshold`."""
    return any(f.severity.rank >= threshold.rank for f in findings)
