"""What Apptainer's own parser makes of a definition file (spec §2-§6, §10-§11).

This is a faithful model of `pkg/build/types/parser/deffile.go` (`ParseDefinitionFile`,
`All`) working on the tree's stages and terminals: the same tokens (header, one per
section), the same first-token trim, the same header, `%files`, `%labels` and app-section
rules, the same 64 KiB scanner limit and the same errors, in Apptainer's words. Where
Apptainer panics (a header continuation followed by a blank or comment line), it gives a
normal error instead. `definitions_json` renders the result exactly as Go's
`encoding/json` (MarshalIndent with tabs) renders `[]types.Definition`.
"""

from __future__ import annotations

from defcheck.syntax.gostr import go_lower, go_trim, utf8_len
from defcheck.syntax.lexer import line_content
from defcheck.syntax.record import mutable_record, record
from defcheck.syntax.span import Span
from defcheck.syntax.views import (
    APP_SECTIONS,
    STANDARD_SECTIONS,
    Section,
    Stage,
    file_tokens,
    is_valid_header_key,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.syntax.document import Document

#: bufio.Scanner's default maximum token size (spec §2.4).
MAX_TOKEN = 64 * 1024

IMAGE_SCRIPTS = ("help", "environment", "runScript", "test", "startScript")
BUILD_SCRIPTS = ("pre", "setup", "post", "test", "arguments")
_IMAGE_SECTION = {
    "help": "help",
    "environment": "environment",
    "runScript": "runscript",
    "test": "test",
    "startScript": "startscript",
}


@mutable_record
class Script:
    """`types.Script`: section-line arguments and the concatenated body."""

    args: str = ""
    script: str = ""


@mutable_record
class FilesGroup:
    """`types.Files`: one group per distinct `%files` argument string."""

    args: str
    files: list[tuple[str, str]] | None = None


@mutable_record
class Definition:
    """`types.Definition` as the parser fills it."""

    header: dict[str, str] | None
    labels: dict[str, str]
    scripts: dict[str, Script]
    files: list[FilesGroup]
    custom_data: dict[str, str] | None
    raw: bytes
    fullraw: bytes
    app_order: list[str]

    def to_json_obj(self) -> dict[str, object]:
        """The object Go's encoding/json produces for this definition."""

        def script(name: str) -> dict[str, str]:
            s = self.scripts.get(name, Script())
            return {"args": s.args, "script": s.script}

        return {
            "header": _sorted_map(self.header),
            "imageData": {
                "metadata": None,
                "labels": _sorted_map(self.labels),
                "imageScripts": {k: script(_IMAGE_SECTION[k]) for k in IMAGE_SCRIPTS},
            },
            "buildData": {
                "files": [
                    {
                        "args": g.args,
                        "files": None
                        if g.files is None
                        else [{"source": s, "destination": d} for s, d in g.files],
                    }
                    for g in self.files
                ],
                "buildScripts": {k: script(k) for k in BUILD_SCRIPTS},
            },
            "customData": _sorted_map(self.custom_data),
            "raw": _b64(self.raw),
            "fullraw": _b64(self.fullraw),
            "appOrder": self.app_order,
        }


def _sorted_map(m: dict[str, str] | None) -> dict[str, str] | None:
    """Go's encoding/json writes map keys sorted by their bytes."""
    if m is None:
        return None
    return dict(sorted(m.items(), key=lambda kv: _enc(kv[0])))


@record
class ApptainerError:
    """Apptainer rejects the file: its message and where the cause is."""

    message: str
    span: Span
    kind: str  # "header", "section", "empty", "token-too-long", "split", "app", "panic"


class _Reject(Exception):
    def __init__(self, error: ApptainerError) -> None:
        super().__init__(error.message)
        self.error = error


def _enc(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@mutable_record
class _Token:
    """A scanner token: its text as Apptainer builds it and where it lies."""

    text: str
    span: Span
    section: Section | None


def _tokens(doc: Document, stage: Stage) -> list[_Token]:
    """The scanner's tokens for one stage, checking the 64 KiB limit (spec §2.4)."""
    text = doc.text
    start, end = stage.span.start, stage.span.end
    sections = stage.sections
    bounds: list[tuple[int, int, Section | None]] = []
    first_section = sections[0].span.start if sections else end
    if first_section > start:
        bounds.append((start, first_section, None))
    bounds.extend((s.span.start, s.span.end, s) for s in sections)
    out: list[_Token] = []
    for i, (ts, te, sec) in enumerate(bounds):
        # Bytes the scanner must hold: this token plus the next section line with its
        # newline, or (at the end of the stage) the rest plus one byte to see EOF.
        if i + 1 < len(bounds):
            nxt_section = bounds[i + 1][2]
            assert nxt_section is not None
            need_end = nxt_section.line_end
            extra = 0 if text[need_end - 1 : need_end] == "\n" else 1
        else:
            need_end, extra = end, 1
        if need_end - ts + extra > MAX_TOKEN // 4 and (
            utf8_len(text[ts:need_end]) + extra > MAX_TOKEN
        ):
            raise _Reject(
                ApptainerError(
                    "bufio.Scanner: token too long",
                    sec.head_span if sec else Span(ts, ts),
                    "token-too-long",
                )
            )
        out.append(_Token(_scanner_text(text, ts, te), Span(ts, te), sec))
    return out


def _scanner_text(text: str, start: int, end: int) -> str:
    """A token as the scanner builds it: every line without one `\\r`, ending in `\\n`."""
    chunk = text[start:end]
    if "\r" not in chunk:
        return chunk if chunk.endswith("\n") else chunk + "\n"
    lines: list[str] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl + 1
        lines.append(line_content(text, pos, stop))
        lines.append("\n")
        pos = stop
    return "".join(lines)


def _parse_header(tok: _Token, doc: Document) -> dict[str, str] | None:
    """deffile.go `doHeader`, line by line over the header's physical lines.

    Apptainer trims the whole header first; that only drops leading and trailing blank
    lines, so the loop below stops at the last non-blank line to match it.
    """
    text = doc.text
    lines: list[tuple[str, Span]] = []
    pos, end = tok.span.start, tok.span.end
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl + 1
        content = line_content(text, pos, stop)
        lines.append((go_trim(content), Span(pos, pos + len(content))))
        pos = stop
    while lines and not lines[-1][0]:
        lines.pop()
    header: dict[str, str] = {}
    key_cont = val_cont = ""
    for line, span in lines:
        if not line or line.startswith("#"):
            if key_cont:
                raise _Reject(
                    ApptainerError(
                        f"header continuation of key {key_cont!r} is followed by a blank or "
                        "comment line (Apptainer's parser crashes here: assignment to entry "
                        "in nil map)",
                        span,
                        "panic",
                    )
                )
            continue
        trim_line = line.split("#", 1)[0]
        if not val_cont:
            colon = trim_line.find(":")
            if colon < 0:
                raise _Reject(
                    ApptainerError(
                        f"failed to parse deffile header: header key {trim_line} had no val",
                        span,
                        "header",
                    )
                )
            key = go_lower(go_trim(trim_line[:colon]))
            val = go_trim(trim_line[colon + 1 :])
        else:
            key, val = key_cont, val_cont + go_trim(trim_line)
            key_cont = val_cont = ""
        if val.endswith("\\"):
            key_cont = key
            val_cont = val[:-1]
            if val_cont.endswith("\\n"):
                val_cont = val_cont[:-2] + "\n"
            continue
        if not is_valid_header_key(key):
            raise _Reject(
                ApptainerError(
                    f"failed to parse deffile header: invalid header keyword found: {key}",
                    span,
                    "header",
                )
            )
        header[key] = val
    return header or None


def _section_name(line: str) -> str:
    """deffile.go `getSectionName`."""
    return go_lower(line.lstrip("%")).split(" ", 1)[0]


def _files_lines(body: str) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] | None = None
    for raw in go_trim(body).split("\n"):
        line = go_trim(raw)
        if not line or line.startswith("#"):
            continue
        words = [line[a:b] for a, b in file_tokens(line)]
        if not words:
            # Apptainer indexes an empty match list here and panics.
            raise ValueError(line)
        src = go_trim(words[0]).strip('"')
        dst = go_trim(words[1]).strip('"') if len(words) > 1 else ""
        if out is None:
            out = []
        out.append((src, dst))
    return out


def labels_of(content: str) -> dict[str, str]:
    """deffile.go `GetLabels`."""
    labels: dict[str, str] = {}
    for raw in go_trim(content).split("\n"):
        line = go_trim(raw)
        if not line or line.startswith("#"):
            continue
        key, sep, val = line.partition(" ")
        labels[go_trim(key)] = go_trim(val) if sep else ""
    return labels


class _State:
    def __init__(self) -> None:
        self.sections: dict[str, Script] = {}
        self.files: list[FilesGroup] = []
        self.app_order: list[str] = []
        self.first_span: dict[str, Span] = {}


def _parse_section(tok: str, where: _Token, st: _State) -> None:
    """deffile.go `parseTokenSection`."""
    span = where.section.head_span if where.section else where.span
    first, sep, body = tok.partition("\n")
    if not sep:
        raise _Reject(
            ApptainerError(
                f"section {first}: could not be split into section name and body", span, "split"
            )
        )
    key = _section_name(first)
    stripped = first.lstrip("%")
    if key == "files":
        parts = stripped.split(" ", 1)
        group = FilesGroup(args=parts[1] if len(parts) == 2 else "")
        try:
            group.files = _files_lines(body)
        except ValueError:
            raise _Reject(
                ApptainerError(
                    "%files line has no source path (Apptainer's parser crashes here: index "
                    "out of range)",
                    span,
                    "panic",
                )
            ) from None
        for existing in st.files:
            if existing.args == group.args:
                if group.files:
                    existing.files = (existing.files or []) + group.files
                return
        st.files.append(group)
        return
    if key in APP_SECTIONS:
        parts = stripped.split(" ", 2)
        if len(parts) < 2:
            raise _Reject(
                ApptainerError(
                    f"app section {parts[0]}: could not be split into section name and app name",
                    span,
                    "app",
                )
            )
        key = " ".join(parts[:2])
        st.sections.setdefault(key, Script())
        st.first_span.setdefault(key, span)
        if parts[1] not in st.app_order:
            st.app_order.append(parts[1])
    else:
        st.sections.setdefault(key, Script())
        st.first_span.setdefault(key, span)
        parts = stripped.split(" ", 1)
        if len(parts) == 2:
            st.sections[key].args = parts[1]
    st.sections[key].script += body


def parse_stage(doc: Document, stage: Stage, *, raw: bytes, fullraw: bytes) -> Definition:
    """deffile.go `ParseDefinitionFile` on one stage's text (raises `_Reject`)."""
    tokens = _tokens(doc, stage)
    if not tokens:
        raise _Reject(ApptainerError("empty definition file", stage.span, "empty"))
    st = _State()
    header: dict[str, str] | None = None
    first = go_trim(tokens[0].text)
    if first:
        if first[0] != "%":
            header = _parse_header(tokens[0], doc)
        else:
            _parse_section(first, tokens[0], st)
    for tok in tokens[1:]:
        _parse_section(tok.text, tok, st)
    return _populate(st, header, raw, fullraw, stage)


def _populate(
    st: _State, header: dict[str, str] | None, raw: bytes, fullraw: bytes, stage: Stage
) -> Definition:
    """deffile.go `populateDefinition`."""
    sections = st.sections
    scripts = {name: sections.get(name, Script()) for name in STANDARD_SECTIONS}
    custom = {k: v for k, v in sections.items() if k not in STANDARD_SECTIONS}
    custom_data = {k: v.script for k, v in custom.items()} if custom else None
    invalid = [k for k in custom if k.split(" ")[0] not in APP_SECTIONS]
    if invalid:
        raise _Reject(
            ApptainerError(
                "invalid section(s) specified: " + ", ".join(invalid),
                st.first_span.get(invalid[0], stage.span),
                "section",
            )
        )
    d = Definition(
        header=header,
        labels=labels_of(scripts["labels"].script),
        scripts=scripts,
        files=st.files,
        custom_data=custom_data,
        raw=raw,
        fullraw=fullraw,
        app_order=st.app_order,
    )
    empty = (
        header is None
        and not d.labels
        and not d.files
        and custom_data is None
        and not st.app_order
        and all(s.args == "" and s.script == "" for s in scripts.values())
    )
    if empty:
        raise _Reject(ApptainerError("empty definition file", stage.span, "empty"))
    return d


def parse_single(doc: Document) -> Definition | ApptainerError:
    """`ParseDefinitionFile` on the whole file (`doc` parsed with `split_stages=False`)."""
    raw = _enc(doc.text)
    if not raw:
        return ApptainerError("empty definition file", Span(0, 0), "empty")
    try:
        return parse_stage(doc, doc.all_stages[0], raw=raw, fullraw=raw)
    except _Reject as exc:
        return exc.error


def parse_all(doc: Document) -> list[Definition] | ApptainerError:
    """`parser.All`: every stage, the empty prelude dropped (spec §6)."""
    pairs = parse_all_pairs(doc)
    return pairs if isinstance(pairs, ApptainerError) else [d for _, d in pairs]


def parse_all_pairs(doc: Document) -> list[tuple[Stage, Definition]] | ApptainerError:
    """`parse_all` keeping each definition's stage view."""
    fullraw = _enc(doc.text)
    out: list[tuple[Stage, Definition]] = []
    for stage in doc.all_stages:
        if stage.span.start == stage.span.end:
            continue
        raw = _enc(doc.text[stage.span.start : stage.span.end])
        try:
            out.append((stage, parse_stage(doc, stage, raw=raw, fullraw=fullraw)))
        except _Reject as exc:
            if exc.error.kind == "empty":
                continue
            return exc.error
    if not out:
        span = Span(0, len(doc.text))
        return ApptainerError("no stages found in definition file", span, "empty")
    return out


def definitions_json(defs: list[Definition]) -> str:
    """Go's `json.MarshalIndent(defs, "", "\\t")` for a list of definitions."""
    return go_json([d.to_json_obj() for d in defs])


def _b64(data: bytes) -> str:
    """Standard base64 with padding, as Go encodes `[]byte`."""
    import binascii  # a C extension to load: only Apptainer's JSON view needs it

    return binascii.b2a_base64(data, newline=False).decode("ascii")


# Characters Go's encoding/json escapes (Go 1.19, which recorded the conformance data):
# quote, backslash, controls, the HTML-sensitive <, > and &, U+2028/U+2029, and invalid
# UTF-8 (surrogate-escaped bytes here), written as \\ufffd. A translate table keeps `re`
# off the cold path.
_GO_ESCAPES: dict[int, str] = {c: f"\\u{c:04x}" for c in range(0x20)}
_GO_ESCAPES.update(
    {
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord("<"): "\\u003c",
        ord(">"): "\\u003e",
        ord("&"): "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)
_GO_ESCAPES.update({c: "\\ufffd" for c in range(0xDC80, 0xDD00)})


def _go_string(s: str) -> str:
    return '"' + s.translate(_GO_ESCAPES) + '"'


def go_json(obj: object, indent: str | None = "") -> str:
    """JSON the way Go writes it: `json.MarshalIndent(v, "", "\\t")`, or `json.Marshal(v)`
    when `indent` is None.

    Objects keep the order given (callers sort Go maps); empty objects and lists are
    written `{}` and `[]`; strings are escaped exactly as Go escapes them.
    """
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, str):
        return _go_string(obj)
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if indent is None:
            return (
                "{"
                + ",".join(f"{_go_string(str(k))}:{go_json(v, None)}" for k, v in obj.items())
                + "}"
            )
        inner = indent + "\t"
        items = [f"{inner}{_go_string(str(k))}: {go_json(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(obj, list):
        if not obj:
            return "[]"
        if indent is None:
            return "[" + ",".join(go_json(v, None) for v in obj) + "]"
        inner = indent + "\t"
        items = [inner + go_json(v, inner) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    raise TypeError(f"cannot encode {type(obj).__name__}")


def parse_stage_text(text: str) -> Definition | ApptainerError:
    """`ParseDefinitionFile` on one stage's text (used after build-arg substitution)."""
    from defcheck.syntax.document import parse

    return parse_single(parse(text, split_stages=False))
