"""The build plan: what a build does, stage by stage, as plain frozen values.

`make_plan` turns a definition file (and build-argument values) into a `BuildPlan`:
per stage the base (agent and reference), the host and container steps in Apptainer's
build order (spec §5) and the metadata that ends up in the container layout (§4.2, §12).
Backends execute a plan; `defcheck build --plan` prints it. Nothing here runs a process.

Sections are merged the way Apptainer merges them (spec §4.3): repeated bodies are
concatenated, the effective arguments are the last non-empty ones, `%files` blocks are
grouped by their exact argument string and `%labels` later keys win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from defcheck.errors import BuildError, ParseError, TemplateError
from defcheck.syntax import Document, Section, Stage, parse
from defcheck.syntax.span import LineIndex

#: Every agent Apptainer knows (spec §8).
KNOWN_AGENTS = frozenset(
    {
        "library",
        "docker",
        "docker-daemon",
        "docker-archive",
        "oci",
        "oci-archive",
        "oras",
        "shub",
        "localimage",
        "yum",
        "dnf",
        "debootstrap",
        "arch",
        "busybox",
        "zypper",
        "scratch",
        "buildkit",
        "dockerfile",
    }
)

#: Agents whose `From:` gets `Registry:`/`Namespace:` prepended (spec §8 notes).
OCI_AGENTS = frozenset({"docker", "docker-daemon", "docker-archive", "oci", "oci-archive"})

#: Build steps in Apptainer's order (spec §5); used for progress and error mapping.
STEP_ORDER = (
    "pre",
    "bootstrap",
    "apps",
    "files-from",
    "setup",
    "files",
    "post",
    "metadata",
    "test",
)


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based line and column in the original definition file."""

    line: int
    column: int = 1


@dataclass(frozen=True, slots=True)
class Script:
    """A merged script section: its (last non-empty) arguments and concatenated body."""

    section: str
    args: str
    body: str
    location: Location

    @property
    def empty(self) -> bool:
        """True when the body holds nothing but white space."""
        return not self.body.strip()


@dataclass(frozen=True, slots=True)
class FileCopy:
    """One `src [dst]` line of `%files` or `%appfiles`; `dst == ""` means "same as src"."""

    src: str
    dst: str
    location: Location


@dataclass(frozen=True, slots=True)
class FilesBlock:
    """All `%files` sections with the same argument string (spec §4.4).

    `source_stage` is None for host copies; `skipped` marks argument strings Apptainer
    silently ignores (neither empty nor two words).
    """

    args: str
    source_stage: str | None
    skipped: bool
    copies: tuple[FileCopy, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Label:
    """A `%labels`/`%applabels` entry."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class App:
    """A SCIF app: its sections in the order Apptainer installs them (spec §4.8)."""

    name: str
    location: Location
    install: Script | None = None
    files: tuple[FileCopy, ...] = ()
    env: Script | None = None
    run: Script | None = None
    start: Script | None = None
    test: Script | None = None
    help: Script | None = None
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True, slots=True)
class Base:
    """Where a stage's root filesystem comes from."""

    agent: str
    reference: str
    location: Location
    header: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StagePlan:
    """One stage of the build, in Apptainer's build order (spec §5)."""

    index: int
    name: str | None
    base: Base
    location: Location
    text: str
    pre: Script | None = None
    setup: Script | None = None
    files: tuple[FilesBlock, ...] = ()
    post: Script | None = None
    test: Script | None = None
    environment: Script | None = None
    runscript: Script | None = None
    startscript: Script | None = None
    help: Script | None = None
    labels: tuple[Label, ...] = ()
    labels_location: Location | None = None
    apps: tuple[App, ...] = ()

    @property
    def label(self) -> str:
        """How messages name the stage: `stage build` or `stage 2` (1-based)."""
        return f"stage {self.name}" if self.name else f"stage {self.index + 1}"

    @property
    def files_from(self) -> tuple[FilesBlock, ...]:
        """`%files from <stage>` blocks (run before `%setup`)."""
        return tuple(b for b in self.files if b.source_stage is not None and not b.skipped)

    @property
    def files_host(self) -> tuple[FilesBlock, ...]:
        """Host `%files` blocks (run after `%setup`)."""
        return tuple(b for b in self.files if b.source_stage is None and not b.skipped)

    def section_location(self, section: str) -> Location:
        """Location of a section line (falls back to the stage's `Bootstrap:` line)."""
        for item in (
            self.pre,
            self.setup,
            self.post,
            self.test,
            self.environment,
            self.runscript,
            self.startscript,
            self.help,
        ):
            if item is not None and item.section == section:
                return item.location
        if section == "files" and self.files:
            return self.files[0].location
        if section == "labels" and self.labels_location is not None:
            return self.labels_location
        return self.base.location


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something the build will do that the user may not expect."""

    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """The whole build: stages in file order; only the last becomes the image."""

    path: str
    stages: tuple[StagePlan, ...]
    definition: str
    build_args: tuple[tuple[str, str], ...] = ()
    unused_args: tuple[str, ...] = ()
    warnings: tuple[PlanWarning, ...] = field(default=())

    @property
    def final(self) -> StagePlan:
        """The stage that is assembled into the output image."""
        return self.stages[-1]

    def stage_named(self, name: str) -> StagePlan | None:
        """The stage whose `Stage:` value is exactly `name` (spec §6)."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        return None


def make_plan(
    text: str,
    *,
    path: str,
    build_args: Mapping[str, str] | None = None,
    arg_file: str | None = None,
    substituted: Sequence[str] | None = None,
) -> BuildPlan:
    """Parse `text`, substitute build arguments and plan every stage.

    Raises `ParseError` when Apptainer would reject the file, `TemplateError` for build
    argument problems and `BuildError` for what Apptainer rejects at build time (no
    bootstrap, `%files from` an unknown stage...). `substituted`, when given, are the
    stage texts after build-argument substitution (one per stage), used as they are.

    >>> plan = make_plan("Bootstrap: scratch\\n%post\\n  true\\n", path="x.def")
    >>> plan.final.base.agent, plan.final.post.body.strip()
    ('scratch', 'true')
    """
    doc = parse(text)
    _raise_parse_errors(doc, path, 0)
    if not doc.stages:
        raise ParseError("no stages found in definition file", path=path, line=1)
    if substituted is not None:
        if len(substituted) != len(doc.stages):
            raise TemplateError(
                f"{len(substituted)} substituted stage texts for {len(doc.stages)} stages",
                path=path,
                line=1,
            )
        unused: list[str] = []
        stage_texts, used = list(substituted), dict(build_args or {})
    else:
        stage_texts, used, unused = _substitute(doc, text, path, build_args or {}, arg_file)
    warnings: list[PlanWarning] = []
    stages: list[StagePlan] = []
    for index, (orig, stage_text) in enumerate(zip(doc.stages, stage_texts, strict=True)):
        base_line = doc.lines.line_of(_stage_text_start(doc, index)) if stage_texts else 0
        sub = parse(stage_text) if stage_text != orig.span.slice(text) else None
        if sub is not None:
            _raise_parse_errors(sub, path, base_line)
            if len(sub.stages) != 1:
                line = base_line + 1
                raise TemplateError(
                    "after build-argument substitution this stage no longer parses as one "
                    "stage (a value must not contain a line starting with `bootstrap:`)",
                    path=path,
                    line=line,
                )
            stage, lines, offset = sub.stages[0], sub.lines, base_line
        else:
            stage, lines, offset = orig, doc.lines, 0
        stages.append(_plan_stage(stage, index, stage_text, lines, offset, path, warnings))
    plan = BuildPlan(
        path=path,
        stages=tuple(stages),
        definition="".join(stage_texts),
        build_args=tuple(sorted(used.items())),
        unused_args=tuple(unused),
        warnings=tuple(warnings),
    )
    _check_stage_references(plan)
    return plan


def stage_texts(doc: Document) -> list[str]:
    """Each stage's raw text (the first stage also owns any comments before it)."""
    n = len(doc.stages)
    ends = [doc.stages[i + 1].span.start if i + 1 < n else len(doc.text) for i in range(n)]
    return [doc.text[_stage_text_start(doc, i) : ends[i]] for i in range(n)]


def _stage_text_start(doc: Document, index: int) -> int:
    """Offset where stage `index`'s text starts (the first stage owns leading text)."""
    return 0 if index == 0 else doc.stages[index].span.start


def _raise_parse_errors(doc: Document, path: str, line_offset: int) -> None:
    for diag in doc.errors:
        line, col = doc.lines.line_col(diag.span.start)
        raise ParseError(diag.message, path=path, line=line + line_offset, column=col)


def _substitute(
    doc: Document, text: str, path: str, cli_args: Mapping[str, str], arg_file: str | None
) -> tuple[list[str], dict[str, str], list[str]]:
    """Stage texts after build-argument substitution (spec §7), plus used/unused names."""
    raw = stage_texts(doc)
    has_placeholders = any(not p.skipped for p in doc.placeholders)
    if not has_placeholders and not cli_args and arg_file is None:
        return raw, {}, []
    from defcheck.errors import SourceReadError
    from defcheck.fileio import read_source
    from defcheck.syntax.buildargs import SubstitutionError, read_build_args, substitute

    arg_text = None
    if arg_file is not None:
        try:
            arg_text = read_source(arg_file)
        except SourceReadError as exc:
            raise TemplateError(f"--build-arg-file: {exc.message}", path=arg_file) from None
    # The file first, then --build-arg values on top (args.go ReadBuildArgs).
    values = read_build_args([f"{k}={v}" for k, v in cli_args.items()], arg_text)
    try:
        result = substitute(doc, values)
    except SubstitutionError as exc:
        raise TemplateError(exc.message, path=path, line=exc.line, column=exc.column) from None
    stages = result.stages
    texts = [s.text for s in stages]
    if len(texts) != len(raw):
        raise TemplateError(
            f"build-argument substitution returned {len(texts)} stages, expected {len(raw)}",
            path=path,
            line=1,
        )
    used: dict[str, str] = {}
    for s in stages:
        for name in s.used:
            used[name] = values.get(name, s.defaults.get(name, ""))
    unused = list(result.unused)
    return texts, used, unused


def _plan_stage(
    stage: Stage,
    index: int,
    text: str,
    lines: LineIndex,
    line_offset: int,
    path: str,
    warnings: list[PlanWarning],
) -> StagePlan:
    def loc(offset: int) -> Location:
        line, col = lines.line_col(offset)
        return Location(line + line_offset, col)

    stage_loc = loc(stage.span.start)
    base = _plan_base(stage, loc, path)
    scripts: dict[str, Script] = {}
    files: dict[str, tuple[Location, list[FileCopy]]] = {}
    labels: dict[str, str] = {}
    labels_loc: Location | None = None
    apps: dict[str, dict[str, object]] = {}
    for section in stage.sections:
        kind = section.kind
        if section.app is not None:
            _collect_app(apps, section, loc)
        elif kind == "files":
            block = files.setdefault(section.args, (loc(section.head_span.start), []))
            block[1].extend(
                FileCopy(e.src, e.dst, loc(e.src_span.start)) for e in section.files_entries()
            )
        elif kind == "labels":
            labels_loc = labels_loc or loc(section.head_span.start)
            for label in section.labels():
                labels.pop(label.key, None)
                labels[label.key] = label.value
        elif kind in _SCRIPT_KINDS:
            scripts[kind] = _merge(scripts.get(kind), section, loc)
    blocks = tuple(
        _files_block(args, where, copies, warnings) for args, (where, copies) in files.items()
    )
    plan = StagePlan(
        index=index,
        name=stage.name,
        base=base,
        location=stage_loc,
        text=text,
        pre=scripts.get("pre"),
        setup=scripts.get("setup"),
        files=blocks,
        post=scripts.get("post"),
        test=scripts.get("test"),
        environment=scripts.get("environment"),
        runscript=scripts.get("runscript"),
        startscript=scripts.get("startscript"),
        help=scripts.get("help"),
        labels=tuple(Label(k, v) for k, v in labels.items()),
        labels_location=labels_loc,
        apps=tuple(_app(name, data) for name, data in apps.items()),
    )
    _check_post_args(plan, path)
    return plan


_Loc = Callable[[int], Location]

_SCRIPT_KINDS = frozenset(
    {"pre", "setup", "post", "test", "environment", "runscript", "startscript", "help"}
)

_APP_FIELDS = {
    "appinstall": "install",
    "appenv": "env",
    "apprun": "run",
    "appstart": "start",
    "apptest": "test",
    "apphelp": "help",
}


def _body(section: Section) -> str:
    """The body as Apptainer stores it: every line ends in a newline."""
    body = section.body
    if body and not body.endswith("\n"):
        body += "\n"
    return body


def _merge(previous: Script | None, section: Section, loc: _Loc) -> Script:
    """Concatenate bodies; keep the last non-empty arguments (spec §4.3)."""
    body = _body(section)
    if previous is None:
        return Script(section.kind, section.args, body, loc(section.head_span.start))
    args = section.args if section.args else previous.args
    return Script(previous.section, args, previous.body + body, previous.location)


def _collect_app(apps: dict[str, dict[str, object]], section: Section, loc: _Loc) -> None:
    name = section.app or ""
    data = apps.setdefault(name, {"location": loc(section.head_span.start)})
    kind = section.kind
    if kind == "appfiles":
        copies = data.setdefault("files", [])
        assert isinstance(copies, list)
        copies.extend(_appfiles(section, loc))
    elif kind == "applabels":
        labels = data.setdefault("labels", {})
        assert isinstance(labels, dict)
        for label in section.labels():
            labels.pop(label.key, None)
            labels[label.key] = label.value
    elif kind in _APP_FIELDS:
        key = _APP_FIELDS[kind]
        prev = data.get(key)
        data[key] = _merge(prev if isinstance(prev, Script) else None, section, loc)


def _appfiles(section: Section, loc: _Loc) -> list[FileCopy]:
    """`%appfiles` lines: `#` cuts, split at the first space (spec §4.8, no quoting)."""
    out: list[FileCopy] = []
    offset = section.body_span.start
    for raw in section.body.splitlines(keepends=True):
        line = raw.split("#", 1)[0].strip()
        if line and not raw.strip().startswith("#"):
            src, _, dst = line.partition(" ")
            column_base = offset + (len(raw) - len(raw.lstrip()))
            out.append(FileCopy(src, dst.strip(), loc(column_base)))
        offset += len(raw)
    return out


def _app(name: str, data: Mapping[str, object]) -> App:
    def script(key: str) -> Script | None:
        value = data.get(key)
        return value if isinstance(value, Script) else None

    location = data["location"]
    assert isinstance(location, Location)
    files = data.get("files", [])
    labels = data.get("labels", {})
    assert isinstance(files, list) and isinstance(labels, dict)
    return App(
        name=name,
        location=location,
        install=script("install"),
        files=tuple(files),
        env=script("env"),
        run=script("run"),
        start=script("start"),
        test=script("test"),
        help=script("help"),
        labels=tuple(Label(str(k), str(v)) for k, v in labels.items()),
    )


def _files_block(
    args: str, where: Location, copies: Sequence[FileCopy], warnings: list[PlanWarning]
) -> FilesBlock:
    """Classify a `%files` argument string like Apptainer's builder (spec §4.4)."""
    words = args.split("#", 1)[0].split()
    if not args.split("#", 1)[0]:
        return FilesBlock(args, None, False, tuple(copies), where)
    if len(words) == 2:
        return FilesBlock(args, words[1], False, tuple(copies), where)
    warnings.append(
        PlanWarning(
            f"`%files {args.strip()}` is neither `%files` nor `%files from <stage>`: "
            "Apptainer skips the whole block",
            where,
        )
    )
    return FilesBlock(args, None, True, tuple(copies), where)


def _plan_base(stage: Stage, loc: _Loc, path: str) -> Base:
    header = tuple((f.norm, f.value or "") for f in stage.header)
    boot = stage.field("bootstrap")
    if not header:
        raise BuildError(
            "multiple stages detected, all must have headers",
            path=path,
            line=loc(stage.span.start).line,
        )
    if boot is None or not boot.value:
        where = loc(stage.header[0].span.start)
        raise BuildError(
            "no bootstrap specification found", path=path, line=where.line, column=where.column
        )
    agent = boot.value
    where = loc(boot.value_span.start)
    if agent not in KNOWN_AGENTS:
        raise BuildError(
            f"invalid build source {agent}", path=path, line=where.line, column=where.column
        )
    from_field = stage.field("from")
    reference = (from_field.value or "") if from_field is not None else ""
    if agent in OCI_AGENTS and reference:
        prefix = [
            f.value.strip("/")
            for f in (stage.field("registry"), stage.field("namespace"))
            if f is not None and f.value
        ]
        reference = "/".join([*prefix, reference])
    return Base(agent, reference, where, header)


def _check_post_args(stage: StagePlan, path: str) -> None:
    for script in (stage.pre, stage.setup, stage.post):
        if script is None:
            continue
        words = script.args.split("#", 1)[0].split()
        if "-c" in words and words.index("-c") == len(words) - 1:
            raise BuildError(
                f"bad {script.section} section '-c' parameter: missing arguments",
                path=path,
                line=script.location.line,
                column=script.location.column,
            )


def _check_stage_references(plan: BuildPlan) -> None:
    for stage in plan.stages:
        for block in stage.files_from:
            assert block.source_stage is not None
            source = plan.stage_named(block.source_stage)
            if source is None or source.index >= stage.index:
                what = "was not found" if source is None else "is not built before this stage"
                raise BuildError(
                    f"{stage.label}, %files from {block.source_stage}: stage "
                    f"{block.source_stage} {what}",
                    path=plan.path,
                    line=block.location.line,
                    column=block.location.column,
                )
