"""Formatting: document and range formatting through `defcheck.format`, and the safety
check (on failure: no edits, and the reason is logged)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, rng

from defcheck.errors import FormatterSafetyError
from defcheck.lsp.convert import Codec
from defcheck.lsp.features import formatting

pytestmark = pytest.mark.asyncio(loop_scope="session")

MESSY = "bootstrap:docker\nfrom :alpine:3.20\n%POST\n  echo hi\n%environment\n  export A=1\n"
CLEAN = (
    "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo hi\n\n%environment\n    export A=1\n"
)
OPTS = types.FormattingOptions(tab_size=8, insert_spaces=True)


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    codec = Codec(text)
    for edit in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        span = codec.span(edit.range)
        text = text[: span.start] + edit.new_text + text[span.end :]
        codec = Codec(text)
    return text


async def test_document_formatting(client: LanguageClient) -> None:
    uri = await opened(client, "format.def", MESSY)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), options=OPTS
        )
    )
    assert edits
    assert _apply(MESSY, list(edits)) == CLEAN
    uri2 = await opened(client, "format-clean.def", CLEAN)
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri2), options=OPTS
        )
    )
    assert not again


async def test_range_formatting(client: LanguageClient) -> None:
    uri = await opened(client, "format-range.def", MESSY)
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=rng(2, 0, 3, 0), options=OPTS
        )
    )
    assert edits
    out = _apply(MESSY, list(edits))
    assert out.startswith("bootstrap:docker\n")  # the header was not touched
    assert "%post\n    echo hi\n" in out


async def test_syntax_error_gives_no_edits(client: LanguageClient) -> None:
    uri = await opened(client, "format-broken.def", "From alpine\n%post\n  echo\n")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri), options=OPTS
        )
    )
    assert not edits
    assert any("formatting skipped" in m.message for m in client.log_messages)


async def test_safety_failure_gives_no_edits_and_logs() -> None:
    messages: list[str] = []

    def failing(text: str, options: object) -> str:
        raise FormatterSafetyError("output differs from input for Apptainer")

    edits = formatting._run(Codec(MESSY), {}, None, messages.append, failing, False)
    assert edits == []
    assert messages and "safety check failed" in messages[0]
