"""Split a big shell body into chunks of whole top-level statements, incrementally.

The language server re-lints a 5,000-line `%post` on every keystroke. Most shell rules
judge one command (or pipeline) at a time, so their findings in a run of top-level
statements depend only on the text of that run: the linter analyses each chunk on its
own and memoises the result by the chunk's text (`defcheck.lint.incremental`), so an
edit costs about the chunk it touches.

A chunk is *complete* when, parsed alone, it has no syntax error, ends with a line end
that no backslash escapes, and opens no here-document it does not close: bash then
reads the text after it exactly as if the chunk were not there, so the whole body reads
as its chunks one after another. The first body is split at the top-level statements of
one tree-sitter parse. For the next one (tree-sitter-bash does not re-parse
incrementally any faster), the chunks of the most similar recent body are reused: those
before and after the edited region keep their text, and only the region is parsed again,
grown by whole neighbouring chunks until it is complete (or reaches the end, which a
last chunk may: nothing follows it).

Boundaries are content-defined (a statement starts a chunk when the hash of the line
before it says so, or the chunk has grown long), so they do not depend on where the
body starts.

>>> body = "".join(f"echo {i}\\n" for i in range(3)) + "if x; then\\n  y\\nfi\\n"
>>> [body[a:b] for a, b in split(body, target=1)][-2:]
['echo 2\\n', 'if x; then\\n  y\\nfi\\n']
"""

from __future__ import annotations

import _thread
import itertools

from defcheck.shell.text import PreparedBody, encode, tree_sitter_text
from defcheck.syntax.span import LineIndex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tree_sitter import Node

    from defcheck.shell.layout import RawLayout

#: Recent bodies and their chunks, for reuse after an edit.
_KEEP = 8
_lock = _thread.allocate_lock()
_recent: list[tuple[str, tuple[tuple[int, int], ...]]] = []


def split(body: str, *, target: int = 16, max_lines: int = 200) -> tuple[tuple[int, int], ...]:
    """(start, end) offsets of the chunks of `body`, in order, covering it exactly.

    About `target` top-level statements per chunk, at most `max_lines` lines where
    statements allow.
    """
    if not body:
        return ()
    with _lock:
        for known, chunks in _recent:
            if known == body:
                return chunks
        previous = _most_similar(body)
    if previous is None:
        chunks = _split_region(body, 0, len(body), target, max_lines)
    else:
        chunks = _update(previous[0], previous[1], body, target, max_lines)
    with _lock:
        _recent.insert(0, (body, chunks))
        del _recent[_KEEP:]
    return chunks


def _most_similar(body: str) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    best: tuple[int, str, tuple[tuple[int, int], ...]] | None = None
    for known, chunks in _recent:
        prefix = _common_prefix(known, body)
        shared = prefix + _common_suffix(known, body, min(len(known), len(body)) - prefix)
        if best is None or shared > best[0]:
            best = (shared, known, chunks)
    if best is None or best[0] * 2 < len(body):
        return None
    return best[1], best[2]


def _update(
    old: str, chunks: tuple[tuple[int, int], ...], new: str, target: int, max_lines: int
) -> tuple[tuple[int, int], ...]:
    """Chunks of `new`, reusing those of `old` outside the edited region."""
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    delta = len(new) - len(old)
    edit_end = len(old) - suffix  # end of the edited region in `old`
    first = 0
    while first + 1 < len(chunks) and chunks[first + 1][0] <= prefix:
        first += 1
    last = first
    while last + 1 < len(chunks) and chunks[last][1] < edit_end:
        last += 1
    start = chunks[first][0]
    while True:
        end = chunks[last][1] + delta if last + 1 < len(chunks) else len(new)
        region = _region(new, start, end, target, max_lines)
        if region is not None or last + 1 >= len(chunks):
            break
        last += 1  # incomplete: take in the next chunk
    if region is None:
        region = ((start, len(new)),)
    moved = tuple((a + delta, b + delta) for a, b in chunks[last + 1 :])
    return chunks[:first] + region + moved


def _region(
    text: str, start: int, end: int, target: int, max_lines: int
) -> tuple[tuple[int, int], ...] | None:
    """`text[start:end]` split into chunks, or None if it is not complete."""
    if start >= end:
        return ()
    piece = text[start:end]
    root, layout = _parse(piece)
    if end < len(text) and not _complete(piece, root, layout):
        return None
    return tuple((start + a, start + b) for a, b in _cut(piece, root, layout, target, max_lines))


def _split_region(
    text: str, start: int, end: int, target: int, max_lines: int
) -> tuple[tuple[int, int], ...]:
    piece = text[start:end]
    root, layout = _parse(piece)
    return tuple((start + a, start + b) for a, b in _cut(piece, root, layout, target, max_lines))


def _complete(piece: str, root: Node, layout: RawLayout) -> bool:
    """True if the text after `piece` reads the same with or without it (see above)."""
    if root.has_error or not piece.endswith("\n"):
        return False
    if _escaped_line_end(piece, len(piece) - 1):
        return False
    return all(h.terminator is not None for h in layout.heredocs)


def _cut(
    piece: str, root: Node, layout: RawLayout, target: int, max_lines: int
) -> list[tuple[int, int]]:
    """Offsets of chunks of `piece` at top-level statement starts (parse `root`).

    Never inside a here-document or a multi-line string as our scanner reads them (the
    shell analysis goes by the scanner where tree-sitter misreads a here-document).
    """
    starts = LineIndex(piece).starts
    inside: set[int] = set()
    for h in layout.heredocs:
        inside.update(range(h.first_line, h.last_line + 1))
    for st in layout.strings:
        inside.update(range(st.first_line + 1, st.last_line + 1))
    cuts = [0]
    if not root.has_error:
        previous_end = -1
        last_row = 0
        for node in root.children:
            row = node.start_point.row
            if row > previous_end and row > 0 and row not in inside:
                at = starts[row]
                line_before = piece[starts[row - 1] : at]
                if not _escaped_line_end(piece, at - 1) and (
                    hash(line_before) % target == 0 or row - last_row >= max_lines
                ):
                    cuts.append(at)
                    last_row = row
            previous_end = max(previous_end, node.end_point.row)
    cuts.append(len(piece))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _escaped_line_end(text: str, newline: int) -> bool:
    """True if the line end at `newline` is escaped by an odd run of backslashes."""
    i = newline - 1
    if i >= 0 and text[i] == "\r":
        i -= 1
    run = 0
    while i >= 0 and text[i] == "\\":
        run += 1
        i -= 1
    return run % 2 == 1


def _parse(piece: str) -> tuple[Node, RawLayout]:
    """Tree-sitter's parse and our layout scan (here-documents, strings) of `piece`."""
    from defcheck.shell.layout import scan_layout
    from defcheck.shell.tree import _parser

    text = PreparedBody.prepare(piece).text
    return _parser().parse(encode(tree_sitter_text(text))).root_node, scan_layout(text)


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix (binary search over slice comparisons)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix, at most `limit`."""
    lo, hi = 0, limit
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def clear_cache() -> None:
    """Forget the recent bodies."""
    with _lock:
        _recent.clear()
