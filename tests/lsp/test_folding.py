"""Folding ranges: stages, sections, continued header fields, comment runs."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_folds(client: LanguageClient) -> None:
    uri = await opened(client, "folding.def", sample("multistage.def"))
    result = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    pairs = {(r.start_line, r.end_line) for r in result}
    assert (1, 12) in pairs  # the first stage
    assert (11, 12) in pairs  # its %post
    assert (14, 34) in pairs  # the second stage
    assert (5, 6) in pairs  # %arguments


async def test_continued_field_and_comments(client: LanguageClient) -> None:
    text = "# one\n# two\nBootstrap: docker\nFrom: alp\\\n   ine\n%post\n  echo\n"
    uri = await opened(client, "folding2.def", text)
    result = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    pairs = {(r.start_line, r.end_line, r.kind) for r in result}
    assert (3, 4, None) in pairs
    assert (0, 1, types.FoldingRangeKind.Comment) in pairs
