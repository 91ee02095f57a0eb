"""The formatter's safety checks: equivalence and stability (black's `--safe`).

**Equivalence.** Apptainer's view of the input and of the output (`parse_all`, the
`--apptainer-json` projection, less `raw`/`fullraw` which are the file's bytes) must be
equal, except for these documented changes, each compared by a normalisation that
accepts only that change:

- header values, labels, `%files` groups (arguments and entries), the app order and the
  section arguments of `%test`/`%runscript`/`%startscript`/`%files`: byte-equal;
- section arguments of `%pre`/`%setup`/`%post` (split into words at build time) and of
  the sections that ignore them: equal as words when neither contains `#`;
- shell scripts (`%post`, `%environment`, `%runscript`, app scripts...): compared line by
  line under the *input's* shell analysis (`layout.Protection`). A line whose leading
  (trailing) white space is content must keep it byte for byte; other lines may change
  their leading and trailing blanks and tabs; blank lines may be dropped or added only
  where the shell ignores them (not on a protected line, not after a backslash-newline,
  not inside a here-document or a multi-line string);
- `%arguments` and `%appfiles` bodies: equal as trimmed, non-blank lines (Apptainer trims
  every line and skips blank ones); `%applabels`: equal as parsed labels;
- `%help`/`%apphelp`: equal as the list of non-blank lines, byte for byte.

**Stability.** Formatting the output again must not change it.

A failure raises `SafetyFailure` (a `FormatterSafetyError`) naming the first difference.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from defcheck.errors import FormatterSafetyError
from defcheck.format.layout import script_protection
from defcheck.syntax.apptainer import ApptainerError, Definition, labels_of, parse_stage
from defcheck.syntax.document import Document, parse
from defcheck.syntax.gostr import go_trim
from defcheck.syntax.views import SCRIPT_SECTIONS, Stage

#: Sections whose arguments are words (build time) or ignored.
_WORD_ARGS = frozenset({"pre", "setup", "post", "environment", "labels", "help", "arguments"})
_BLANKS = re.compile(r"[ \t]+")


class SafetyFailure(FormatterSafetyError):
    """The output failed a safety check; `check` is "equivalence" or "stability"."""

    def __init__(self, check: str, difference: str, *, output: str = "") -> None:
        super().__init__(
            f"internal error: the formatter's {check} check failed: {difference}; the file "
            "was left unchanged (please report this with the file)"
        )
        self.check = check
        self.difference = difference
        self.output = output


def stage_views(doc: Document) -> list[Definition | ApptainerError | None]:
    """Apptainer's view of every non-empty stage (None for a stage Apptainer drops)."""
    out: list[Definition | ApptainerError | None] = []
    for stage in doc.all_stages:
        if stage.span.start == stage.span.end:
            continue
        try:
            out.append(parse_stage(doc, stage, raw=b"", fullraw=b""))
        except Exception as exc:
            error = getattr(exc, "error", None)
            if not isinstance(error, ApptainerError):
                raise
            out.append(None if error.kind == "empty" else error)
    return out


def broken_stages(doc: Document) -> frozenset[int]:
    """Indices (`Stage.index`) of the stages Apptainer rejects."""
    stages = [s for s in doc.all_stages if s.span.start < s.span.end]
    views = stage_views(doc)
    return frozenset(
        s.index for s, v in zip(stages, views, strict=True) if isinstance(v, ApptainerError)
    )


# -- script comparison ---------------------------------------------------------------


def _blank(line: str) -> bool:
    return not line.strip(" \t")


def compare_shell(a: str, b: str) -> str | None:
    """None if `b` is `a` with only shell-neutral white-space changes, else the first
    difference."""
    if a == b:
        return None
    prot = script_protection(a)
    a_lines = a.split("\n")
    b_lines = b.split("\n")
    if not (prot.leading or prot.trailing or prot.keep):
        # Nothing protected: the rules below reduce to "same non-blank lines, stripped".
        sa = [t for line in a_lines if (t := line.strip(" \t"))]
        sb = [t for line in b_lines if (t := line.strip(" \t"))]
        if sa == sb:
            return None
    kept = [i for i, line in enumerate(a_lines) if not (_blank(line) and not prot.protects(i))]

    def norm(i: int, line: str) -> str:
        if i not in prot.leading:
            line = line.lstrip(" \t")
        if i not in prot.trailing:
            line = line.rstrip(" \t")
        return line

    j = 0
    prev: int | None = None
    for line in b_lines:
        if j < len(kept) and norm(kept[j], line) == norm(kept[j], a_lines[kept[j]]):
            prev = kept[j]
            j += 1
            continue
        if _blank(line) and (prev is None or not prot.protects(prev + 1)):
            continue
        if j < len(kept):
            i = kept[j]
            return f"script line {i + 1}: {a_lines[i]!r} became {line!r}"
        return f"script gained line {line!r}"
    if j < len(kept):
        i = kept[j]
        return f"script line {i + 1} {a_lines[i]!r} was lost"
    return None


def _nonblank(text: str) -> list[str]:
    return [line for line in text.split("\n") if not _blank(line)]


def _trimmed(text: str) -> list[str]:
    return [t for line in text.split("\n") if (t := go_trim(line))]


def compare_text(a: str, b: str) -> str | None:
    """Free text: the non-blank lines must be byte-equal."""
    return _first_list_difference(_nonblank(a), _nonblank(b), "text line")


def compare_trimmed(a: str, b: str) -> str | None:
    """Trimmed-line bodies (`%arguments`, `%appfiles`)."""
    return _first_list_difference(_trimmed(a), _trimmed(b), "line")


def compare_labels(a: str, b: str) -> str | None:
    """Label bodies as Apptainer parses them."""
    la, lb = labels_of(a), labels_of(b)
    return None if la == lb else f"labels {la!r} became {lb!r}"


def _first_list_difference(a: list[str], b: list[str], what: str) -> str | None:
    for n, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"{what} {n + 1}: {x!r} became {y!r}"
    if len(a) != len(b):
        return f"{what} count changed from {len(a)} to {len(b)}"
    return None


def _comparer(kind: str) -> Callable[[str, str], str | None]:
    if kind in SCRIPT_SECTIONS:
        return compare_shell
    if kind in ("help", "apphelp"):
        return compare_text
    if kind in ("arguments", "appfiles"):
        return compare_trimmed
    if kind in ("labels", "applabels"):
        return compare_labels
    return lambda a, b: None if a == b else f"{a!r} became {b!r}"


def _words(args: str) -> tuple[str, ...] | str:
    if "#" in args:
        return args
    return tuple(w for w in _BLANKS.split(args) if w)


def compare_definitions(a: Definition, b: Definition) -> str | None:
    """The first difference between two views that the formatter may not make."""
    if a.header != b.header:
        return f"header {a.header!r} became {b.header!r}"
    if a.labels != b.labels:
        return f"labels {a.labels!r} became {b.labels!r}"
    fa = [(g.args, g.files) for g in a.files]
    fb = [(g.args, g.files) for g in b.files]
    if fa != fb:
        return f"%files {fa!r} became {fb!r}"
    if a.app_order != b.app_order:
        return f"app order {a.app_order!r} became {b.app_order!r}"
    for name in sorted(set(a.scripts) | set(b.scripts)):
        sa, sb = a.scripts.get(name), b.scripts.get(name)
        if sa is None or sb is None:
            return f"section %{name} appeared or disappeared"
        if sa.args != sb.args and (name not in _WORD_ARGS or _words(sa.args) != _words(sb.args)):
            return f"arguments of %{name}: {sa.args!r} became {sb.args!r}"
        diff = _comparer(name)(sa.script, sb.script)
        if diff:
            return f"%{name}: {diff}"
    ca, cb = a.custom_data or {}, b.custom_data or {}
    if set(ca) != set(cb):
        return f"app sections {sorted(ca)!r} became {sorted(cb)!r}"
    for key in sorted(ca):
        diff = _comparer(key.split(" ", 1)[0])(ca[key], cb[key])
        if diff:
            return f"%{key}: {diff}"
    return None


class Parsed:
    """A parsed text with Apptainer's view of each of its non-empty stages."""

    __slots__ = ("doc", "views")

    def __init__(self, doc: Document, views: list[Definition | ApptainerError | None]) -> None:
        self.doc = doc
        self.views = views

    @classmethod
    def of(cls, text: str) -> Parsed:
        """Parse `text` and compute its views."""
        doc = parse(text)
        return cls(doc, stage_views(doc))

    @property
    def broken(self) -> frozenset[int]:
        """`Stage.index` of the stages Apptainer rejects."""
        stages = [s for s in self.doc.all_stages if s.span.start < s.span.end]
        return frozenset(
            s.index
            for s, v in zip(stages, self.views, strict=True)
            if isinstance(v, ApptainerError)
        )

    @property
    def clean(self) -> bool:
        """True if Apptainer accepts the whole file."""
        return not self.broken and any(isinstance(v, Definition) for v in self.views)


def check_equivalent(source: str, output: str, *, source_parsed: Parsed | None = None) -> Parsed:
    """Raise `SafetyFailure` unless `output` means to Apptainer what `source` means;
    return the parsed output.

    Stages Apptainer rejects (formatted only with `force_partial`) must be unchanged.
    """
    parsed_b = Parsed.of(output)
    pairs_a = _kept(source_parsed if source_parsed is not None else Parsed.of(source))
    pairs_b = _kept(parsed_b)
    if len(pairs_a) != len(pairs_b):
        raise SafetyFailure(
            "equivalence", f"the file had {len(pairs_a)} stages and now has {len(pairs_b)}"
        )
    for n, ((sa, va), (sb, vb)) in enumerate(zip(pairs_a, pairs_b, strict=True)):
        where = f"stage {n + 1}"
        if isinstance(va, ApptainerError):
            if sa.span.slice(source) != sb.span.slice(output):
                raise SafetyFailure("equivalence", f"{where} (rejected by Apptainer) changed")
            continue
        if isinstance(vb, ApptainerError):
            raise SafetyFailure(
                "equivalence", f"{where}: Apptainer rejects the output: {vb.message}"
            )
        diff = compare_definitions(va, vb)
        if diff:
            raise SafetyFailure("equivalence", f"{where}: {diff}")
    return parsed_b


def _kept(parsed: Parsed) -> list[tuple[Stage, Definition | ApptainerError]]:
    """(stage, view) of the stages Apptainer does not drop."""
    stages = [s for s in parsed.doc.all_stages if s.span.start < s.span.end]
    return [(s, v) for s, v in zip(stages, parsed.views, strict=True) if v is not None]
