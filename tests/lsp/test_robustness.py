"""Never crash: random edit sequences (hypothesis, bounded) over sample files, followed by
every request at random positions, never produce an error response, a server crash or an
internal error logged by a handler. Also a few hand-picked nasty texts."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.lsp.conftest import DATA, SERVER

T = TypeVar("T")

SAMPLES = sorted(p.name for p in DATA.glob("*.def"))
FRAGMENTS = [
    "Bootstrap: ",
    "bootstrap:",
    "From: ",
    "Stage: ",
    "%post",
    "%files from ",
    "%appinstall ",
    "%arguments\n",
    "{{ ",
    " }}",
    "{{X}}",
    "\n",
    "\r\n",
    "\\\n",
    "#",
    ":",
    " ",
    "\t",
    "%",
    "é",
    "😀",
    "中",
    "\x00",
    "\x0c",
    "\r",
    "docker",
    "alpine:3.20",
    "@sha256:",
]


class Session:
    """A language client on its own event loop thread, driven from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = LanguageClient("fuzz", "1")
        self.logs: list[str] = []

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diags(params: types.PublishDiagnosticsParams) -> None:
            pass

        self.run(self.client.start_io(*SERVER))
        self.run(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(),
                    initialization_options={"diagnostics": {"shellcheck": False, "debounceMs": 0}},
                )
            )
        )
        self.client.initialized(types.InitializedParams())
        self.version = 0

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        try:
            self.run(self.client.shutdown_async(None), timeout=10)
            self.client.exit(None)
            self.run(self.client.stop(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    s = Session()
    yield s
    s.close()


def _positions(text: str, picks: list[tuple[int, int]]) -> list[types.Position]:
    lines = text.split("\n")
    out = []
    for a, b in picks:
        line = a % (len(lines) + 2)  # sometimes past the end
        width = len(lines[line]) if line < len(lines) else 0
        out.append(types.Position(line=line, character=b % (width + 3)))
    return out


def _requests(s: Session, uri: str, positions: list[types.Position]) -> None:
    doc = types.TextDocumentIdentifier(uri=uri)
    c = s.client
    s.run(c.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc)))
    s.run(c.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc)))
    s.run(c.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc)))
    s.run(c.text_document_document_link_async(types.DocumentLinkParams(text_document=doc)))
    opts = types.FormattingOptions(tab_size=4, insert_spaces=True)
    s.run(
        c.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=doc, options=opts)
        )
    )
    for p in positions:
        r = types.Range(start=p, end=p)
        s.run(c.text_document_hover_async(types.HoverParams(text_document=doc, position=p)))
        s.run(
            c.text_document_completion_async(types.CompletionParams(text_document=doc, position=p))
        )
        s.run(
            c.text_document_definition_async(types.DefinitionParams(text_document=doc, position=p))
        )
        s.run(
            c.text_document_references_async(
                types.ReferenceParams(
                    text_document=doc,
                    position=p,
                    context=types.ReferenceContext(include_declaration=True),
                )
            )
        )
        s.run(
            c.text_document_document_highlight_async(
                types.DocumentHighlightParams(text_document=doc, position=p)
            )
        )
        s.run(
            c.text_document_prepare_rename_async(
                types.PrepareRenameParams(text_document=doc, position=p)
            )
        )
        s.run(
            c.text_document_rename_async(
                types.RenameParams(text_document=doc, position=p, new_name="NEW")
            )
        )
        s.run(
            c.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=doc,
                    range=r,
                    context=types.CodeActionContext(diagnostics=[]),
                )
            )
        )
        s.run(
            c.text_document_signature_help_async(
                types.SignatureHelpParams(text_document=doc, position=p)
            )
        )
        s.run(
            c.text_document_on_type_formatting_async(
                types.DocumentOnTypeFormattingParams(
                    text_document=doc, position=p, ch="\n", options=opts
                )
            )
        )
        s.run(
            c.text_document_range_formatting_async(
                types.DocumentRangeFormattingParams(
                    text_document=doc, range=types.Range(start=p, end=p), options=opts
                )
            )
        )


def _apply(text: str, rng: types.Range, new: str) -> str:
    """The edit as the server's line model applies it (lines end at `\\n`)."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)

    def offset(p: types.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        content = lines[p.line].rstrip("\r") if p.line < len(lines) - 1 else lines[p.line]
        units = i = 0
        while i < len(content) and units < p.character:
            units += 2 if ord(content[i]) > 0xFFFF else 1
            i += 1
        return starts[p.line] + i

    a, b = sorted((offset(rng.start), offset(rng.end)))
    return text[:a] + new + text[b:]


edit_st = st.tuples(
    st.integers(0, 60),
    st.integers(0, 80),
    st.integers(0, 3),
    st.integers(0, 30),
    st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(SAMPLES),
    edits=st.lists(edit_st, min_size=1, max_size=8),
    picks=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 80)), min_size=1, max_size=3),
)
def test_random_edits_never_break_the_server(
    session: Session,
    name: str,
    edits: list[tuple[int, int, int, int, str]],
    picks: list[tuple[int, int]],
) -> None:
    session.version += 1
    uri = f"file:///fuzz/{session.version}/{name}"
    text = (DATA / name).read_text(encoding="utf-8")
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="apptainer", version=0, text=text
            )
        )
    )
    for i, (line, col, dline, dcol, new) in enumerate(edits, start=1):
        start = _positions(text, [(line, col)])[0]
        end = types.Position(line=start.line + dline, character=dcol)
        rng = types.Range(start=start, end=end)
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=i),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new)],
            )
        )
        text = _apply(text, rng, new)
    _requests(session, uri, _positions(text, picks))
    session.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    errors = [m for m in session.logs if "internal error" in m]
    assert not errors, errors[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "\x00\x01\x02\xff" * 10,
        "%",
        "{{",
        "Bootstrap:\n",
        "Bootstrap: docker\nFrom: \\\n\n%post\n",
        "😀" * 50 + "\n%post\n  " + "é" * 20,
        "\r\n".join(["Bootstrap: docker", "From: a", "%post", "  x"]),
        "%files from\n%files from a b c\n%appinstall\n%apprun \n",
        "Bootstrap: docker\nFrom: {{ A }}{{ B }}:{{\n%arguments\n =\nA=\n",
    ],
)
def test_nasty_texts(session: Session, text: str) -> None:
    session.version += 1
    uri = f"file:///nasty/{session.version}.def"
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="apptainer", version=0, text=text
            )
        )
    )
    picks = [(0, 0), (1, 1), (2, 3), (3, 9), (5, 2)]
    _requests(session, uri, _positions(text, picks))
    errors = [m for m in session.logs if "internal error" in m]
    assert not errors, errors[0]
    assert sys.executable


def test_handler_errors_are_logged_and_answered_with_defaults() -> None:
    from defcheck.lsp.server import DefcheckServer, _safe

    server = DefcheckServer()
    logged: list[tuple[str, str]] = []
    server.log = lambda level, message: logged.append((level, message))  # type: ignore[method-assign]

    @_safe(server, "hover", lambda: None)
    def broken(params: object) -> object:
        raise RuntimeError("boom")

    @_safe(server, "documentSymbol", list)
    def broken_list(params: object) -> object:
        raise KeyError("x")

    assert broken(None) is None
    assert broken_list(None) == []
    assert [level for level, _ in logged] == ["error", "error"]
    assert "internal error in hover" in logged[0][1] and "RuntimeError: boom" in logged[0][1]
