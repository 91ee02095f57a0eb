"""Document highlight: the definition (write) and uses (read) of a name."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos
from tests.lsp.test_references import TEXT

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_highlights(client: LanguageClient) -> None:
    uri = await opened(client, "highlight.def", TEXT)
    result = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(2, 9)
        )
    )
    assert result is not None
    kinds = sorted((h.range.start.line, h.kind) for h in result)
    assert kinds == [
        (2, types.DocumentHighlightKind.Write),
        (10, types.DocumentHighlightKind.Read),
        (12, types.DocumentHighlightKind.Read),
    ]
    none = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(0, 3)
        )
    )
    assert not none
