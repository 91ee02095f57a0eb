"""Shell rules on big bodies, chunk by chunk, memoised by text.

Linting a 5,000-line `%post` from scratch takes hundreds of milliseconds, most of it
building and walking some ten thousand command objects; the language server does it on
every keystroke. So a shell body of `BIG_BODY_LINES` lines or more is split into chunks
of whole top-level statements (`defcheck.shell.chunks`) and:

* a *chunk-local* rule (one marked with `@chunk_local`: its findings in a chunk depend
  only on the chunk's text, the section's context and, through `gate`, on facts about the
  whole body it names explicitly) runs once per chunk, with `shell_sections` yielding just
  that chunk; its findings are memoised by chunk text and context and moved to wherever
  the chunk is now;
* a rule that needs the whole body (`section_facts`) reads per-command *facts* that are
  computed per chunk, memoised the same way, and concatenated in order.

Results are the same as analysing the whole body at once, by construction (and checked
by tests that lint every test input both ways). An edit costs the tree-sitter re-parse of
the body (incremental), a dictionary lookup per chunk and rule, and the analysis of the
chunk it touched.
"""

from __future__ import annotations

import _thread  # not `threading` or `contextvars`: start-up time
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.model import Finding, Fix, Related
from defcheck.syntax import Document, Edit, Section, Span
from defcheck.syntax.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    from defcheck.lint.model import RuleMeta
    from defcheck.lint.registry import Rule
    from defcheck.shell.tree import ShellBody

    T = TypeVar("T")
RuleFn = Callable[[RuleContext], Iterator[Finding]]
Gate = Callable[[str], Hashable]

#: Bodies with at least this many lines are analysed in chunks (tests lower it to 0).
BIG_BODY_LINES = 300
#: About how many top-level statements make a chunk (tests lower it to 1).
CHUNK_STATEMENTS = 16
#: Memoised chunk results kept: three per chunk of a few big documents, plus recent edits.
_MEMO_SIZE = 6_000


@record
class ShellSection:
    """A script section whose body is shell, with its tree-sitter parse (absolute spans).

    For a chunk of a big body, `body` is the parse of that chunk only."""

    section: Section
    body: ShellBody


@record
class Chunk:
    """A run of whole top-level statements of a big section body."""

    text: str
    start: int  # absolute offset of the chunk in the definition file


@record
class _Scope:
    """What `shell_sections` yields while a chunk-local rule runs: with `chunk`, only that
    chunk of `section`; without, everything except the big sections in `skip`."""

    skip: frozenset[int]  # id() of big sections
    section: Section | None
    chunk: Chunk | None


# Per thread (the language server lints in worker threads): the scope of the chunk-local
# rule running now, and whether `section_facts` reads big sections chunk by chunk.
_scopes: dict[int, _Scope] = {}
_chunking_threads: set[int] = set()
_memo: OrderedDict[Hashable, tuple[int, object]] = OrderedDict()
_memo_lock = _thread.allocate_lock()
_contexts: dict[Hashable, int] = {}  # interned memo contexts (cheap keys)


def chunk_local(gate: Gate | None = None) -> Callable[[RuleFn], RuleFn]:
    """Mark a rule as chunk-local (apply below `@rule`).

    The rule must report only through `shell_sections`, and a finding must depend only on
    the commands of one top-level statement, the section's kind, arguments and stage, and
    `gate(whole body text)` (e.g. "does the body set `APT::Get::Assume-Yes`").
    """

    def mark(fn: RuleFn) -> RuleFn:
        fn.chunk_gate = gate or _no_gate  # type: ignore[attr-defined]
        return fn

    return mark


def _no_gate(_body: str) -> None:
    return None


def body_gate(fn: Callable[[str], bool]) -> Callable[[str], bool]:
    """Remember `fn`'s answer for the last few bodies: a chunk-local rule asks for its
    gate once per chunk it analyses, always about the same (possibly 5,000-line) body."""
    answers: dict[str, bool] = {}

    def gate(body: str) -> bool:
        found = answers.get(body)
        if found is None:
            if len(answers) > 8:
                answers.clear()
            found = answers[body] = fn(body)
        return found

    gate.__doc__ = fn.__doc__
    gate.__name__ = fn.__name__
    gate.__qualname__ = fn.__qualname__
    return gate


_lowered: dict[str, str] = {}


def ci_search(body: str, pattern: re.Pattern[str], lower: re.Pattern[str], *needles: str) -> bool:
    """`pattern.search(body)` for a case-insensitive `pattern`, made quick for ASCII bodies
    (a case-insensitive scan of a big body is slow): false when the lower-cased body has
    none of `needles` (every match contains one), else `lower` (the same pattern, lower
    case, case-sensitive) searched in the lower-cased body."""
    if not body.isascii():
        return pattern.search(body) is not None
    low = _lowered.get(body)
    if low is None:
        if len(_lowered) > 4:
            _lowered.clear()
        low = _lowered[body] = body.lower()
    return any(n in low for n in needles) and lower.search(low) is not None


def is_big(section: Section) -> bool:
    """True if `section`'s body is analysed in chunks."""
    body = section.body
    return body.count("\n") >= BIG_BODY_LINES and bool(body) and not body.isspace()


def shell_section_candidates(
    ctx: RuleContext,
    kinds: frozenset[str],
    mentions: tuple[str, ...] | None,
    skip: frozenset[int] = frozenset(),
) -> Iterator[Section]:
    """The sections of `kinds` whose body is shell and may mention one of `mentions`
    (sections whose `id` is in `skip` left out)."""
    from defcheck.lint.rules._helpers import may_mention

    for section in ctx.doc.sections:
        body = section.body
        if section.kind not in kinds or not body or body.isspace() or id(section) in skip:
            continue
        if mentions is not None and not may_mention(body, mentions):
            continue
        if _is_shell(section):
            yield section


def _is_shell(section: Section) -> bool:
    from defcheck.shell.interpreter import section_interpreter

    return section_interpreter(section.kind, section.args, section.body).is_shell


def shell_sections(
    ctx: RuleContext, kinds: frozenset[str], *, mentions: Iterable[str] | None = None
) -> Iterator[ShellSection]:
    """The sections of `kinds` whose body is shell, parsed (absolute spans).

    With `mentions`, sections none of whose words can contain one of those strings are
    left out unparsed (`may_mention`): a rule looking for `curl` passes `("curl",)`.
    While a chunk-local rule runs on a chunk, only that chunk is yielded.
    """
    from defcheck.shell.tree import parse_shell

    needles = None if mentions is None else tuple(mentions)
    scope = _scopes.get(_thread.get_ident())
    if scope is not None and scope.section is not None and scope.chunk is not None:
        from defcheck.lint.rules._helpers import may_mention

        section, chunk = scope.section, scope.chunk
        if section.kind not in kinds or not _is_shell(section):
            return
        if needles is not None and not may_mention(chunk.text, needles):
            return
        yield ShellSection(section, parse_shell(chunk.text, base=chunk.start))
        return
    skip = frozenset() if scope is None else scope.skip
    for section in shell_section_candidates(ctx, kinds, needles, skip):
        yield ShellSection(section, parse_shell(section.body, base=section.body_span.start))


def section_facts(
    ctx: RuleContext,
    kinds: frozenset[str],
    mentions: Iterable[str] | None,
    facts: Callable[[ShellBody], list[T]],
) -> Iterator[tuple[Section, list[T]]]:
    """Per-command facts of each shell section of `kinds`, in source order.

    `facts(body)` must return, in order, values that depend only on the commands of `body`
    (tuples of strings, numbers and `Span`s): for a big section they are computed per
    chunk, memoised, moved to the chunk's position and concatenated.
    """
    from defcheck.shell.tree import parse_shell

    needles = None if mentions is None else tuple(mentions)
    chunking = _thread.get_ident() in _chunking_threads
    for section in shell_section_candidates(ctx, kinds, needles):
        if not (chunking and is_big(section)):
            yield section, facts(parse_shell(section.body, base=section.body_span.start))
            continue
        key = _intern(("facts", facts))
        out: list[T] = []
        for chunk in chunks(section):
            out.extend(
                _memoised(
                    (key, chunk.text),
                    chunk.start,
                    lambda c=chunk: facts(parse_shell(c.text, base=c.start)),  # type: ignore[misc]
                )
            )
        yield section, out


def chunks(section: Section) -> list[Chunk]:
    """The chunks of a big section's body."""
    from defcheck.shell.chunks import split

    body = section.body
    base = section.body_span.start
    return [Chunk(body[a:b], base + a) for a, b in split(body, target=CHUNK_STATEMENTS)]


def chunking(on: bool) -> _Chunking:
    """A context manager: within, `section_facts` reads big sections chunk by chunk (the
    engine turns this on when it lints incrementally)."""
    return _Chunking(on)


class _Chunking:
    """See `chunking` (a class, not `contextlib`: start-up time)."""

    def __init__(self, on: bool) -> None:
        self._on = on
        self._was = False

    def __enter__(self) -> None:
        ident = _thread.get_ident()
        self._was = ident in _chunking_threads
        if self._on:
            _chunking_threads.add(ident)
        else:
            _chunking_threads.discard(ident)

    def __exit__(self, *exc: object) -> None:
        if self._was:
            _chunking_threads.add(_thread.get_ident())
        else:
            _chunking_threads.discard(_thread.get_ident())


class _InScope:
    """Within: `shell_sections` yields what `scope` says (this thread only)."""

    def __init__(self, scope: _Scope) -> None:
        self._scope = scope
        self._previous: _Scope | None = None

    def __enter__(self) -> None:
        ident = _thread.get_ident()
        self._previous = _scopes.get(ident)
        _scopes[ident] = self._scope

    def __exit__(self, *exc: object) -> None:
        ident = _thread.get_ident()
        if self._previous is None:
            _scopes.pop(ident, None)
        else:
            _scopes[ident] = self._previous


def is_chunk_local(rule_: Rule) -> bool:
    """True for a rule marked `@chunk_local`."""
    return hasattr(rule_.check, "chunk_gate")


def run_chunk_local(
    entries: list[tuple[Rule, RuleContext]],
    big: list[Section],
    crash: Callable[[RuleMeta, Exception], Finding],
) -> list[Finding]:
    """Findings of chunk-local rules: as usual outside the `big` sections, and per chunk
    of each big section, memoised by chunk text (all the rules' findings in one entry).
    `crash(meta, exc)` reports a rule that raised; such results are not memoised."""
    out: list[Finding] = []
    with _InScope(_Scope(frozenset(id(s) for s in big), None, None)):
        for rule_, ctx in entries:
            try:
                out.extend(rule_.check(ctx))
            except Exception as exc:  # reported like the engine does for any rule
                out.append(crash(rule_.meta, exc))
    for section in big:
        context = _intern(
            (
                _section_context(entries[0][1], section),
                *(
                    (
                        rule_.meta.code,
                        repr(sorted(ctx.options.items())),
                        ctx.settings,
                        rule_.check.chunk_gate(section.body),  # type: ignore[attr-defined]
                    )
                    for rule_, ctx in entries
                ),
            )
        )
        for chunk in chunks(section):
            out.extend(
                _memoised(
                    (context, chunk.text),
                    chunk.start,
                    lambda s=section, c=chunk: _run_on_chunk(entries, s, c, crash),  # type: ignore[misc]
                )
            )
    return out


class _Uncached(Exception):
    """Raised by a computation whose result must not be memoised (a rule crashed)."""

    def __init__(self, value: list[Finding]) -> None:
        super().__init__("uncached")
        self.value = value


def _run_on_chunk(
    entries: list[tuple[Rule, RuleContext]],
    section: Section,
    chunk: Chunk,
    crash: Callable[[RuleMeta, Exception], Finding],
) -> list[Finding]:
    out: list[Finding] = []
    crashed = False
    with _InScope(_Scope(frozenset(), section, chunk)):
        for rule_, ctx in entries:
            try:
                out.extend(rule_.check(ctx))
            except Exception as exc:
                out.append(crash(rule_.meta, exc))
                crashed = True
    if crashed:
        raise _Uncached(out)
    return out


def _section_context(ctx: RuleContext, section: Section) -> Hashable:
    """What a chunk-local rule may know about a section besides the chunk's text."""
    doc = ctx.doc
    stage = doc.stage_at(section.span.start)
    stages = doc.stages
    index = next((i for i, s in enumerate(stages) if s is stage), -1)
    header = "" if stage is None else doc.text[stage.span.start : section.span.start]
    head = doc.text[section.head_span.start : section.head_span.end]
    return (section.kind, section.app, section.args, head, index, len(stages), header)


def _intern(context: Hashable) -> int:
    """A small number standing for `context` in memo keys (hashing it once per lint)."""
    with _memo_lock:
        number = _contexts.get(context)
        if number is None:
            if len(_contexts) >= _MEMO_SIZE:  # numbers are reused: forget what they meant
                _contexts.clear()
                _memo.clear()
            number = _contexts[context] = len(_contexts)
        return number


def _memoised(key: Hashable, start: int, compute: Callable[[], list[T]]) -> list[T]:
    with _memo_lock:
        hit = _memo.get(key)
        if hit is not None:
            _memo.move_to_end(key)
    if hit is not None:
        base, value = hit
        return shift(value, start - base)  # type: ignore[arg-type]
    try:
        found = compute()
    except _Uncached as uncached:
        return uncached.value  # type: ignore[return-value]
    with _memo_lock:
        _memo[key] = (start, found)
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return found


def shift(value: T, delta: int) -> T:
    """`value` with every span moved by `delta` (findings, fixes, facts)."""
    if delta == 0:
        return value
    return _shift(value, delta)  # type: ignore[return-value]


def _shift(value: object, delta: int) -> object:
    if isinstance(value, Span):
        return Span(value.start + delta, value.end + delta)
    if isinstance(value, Finding):
        return Finding(
            value.code,
            value.message,
            Span(value.span.start + delta, value.span.end + delta),
            severity=value.severity,
            fix=None if value.fix is None else _shift(value.fix, delta),  # type: ignore[arg-type]
            related=tuple(_shift(r, delta) for r in value.related),  # type: ignore[misc]
            tags=value.tags,
            name=value.name,
        )
    if isinstance(value, Fix):
        edits = tuple(_shift(e, delta) for e in value.edits)
        return Fix(value.description, edits, value.applicability)  # type: ignore[arg-type]
    if isinstance(value, Edit):
        return Edit(Span(value.span.start + delta, value.span.end + delta), value.text)
    if isinstance(value, Related):
        return Related(Span(value.span.start + delta, value.span.end + delta), value.message)
    if isinstance(value, tuple):
        return tuple(_shift(v, delta) for v in value)
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    return value  # strings, numbers, sets of names: facts keep no spans in sets


def big_sections(doc: Document) -> list[Section]:
    """The sections of `doc` analysed in chunks."""
    return [s for s in doc.sections if is_big(s) and _is_shell(s)]


def clear_cache() -> None:
    """Forget every memoised chunk result."""
    from defcheck.shell.chunks import clear_cache as clear_chunks

    with _memo_lock:
        _memo.clear()
        _contexts.clear()
    clear_chunks()
