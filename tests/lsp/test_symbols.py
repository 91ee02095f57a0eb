"""Document symbols: stages > header fields, sections and apps."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_outline(client: LanguageClient) -> None:
    uri = await opened(client, "symbols.def", sample("multistage.def"))
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    symbols = [s for s in result if isinstance(s, types.DocumentSymbol)]
    assert [s.name for s in symbols] == ["build", "final"]
    build, final = symbols
    assert build.kind == types.SymbolKind.Module
    assert build.detail == "docker golang:{{ GO_VERSION }}"
    names = [c.name for c in build.children or []]
    assert names == ["Bootstrap", "From", "Stage", "%arguments", "%files", "%post"]
    app = next(c for c in final.children or [] if c.name == "app tool")
    assert [c.name for c in app.children or []] == ["%appinstall", "%apprun"]
    files_from = next(c for c in final.children or [] if c.name == "%files")
    assert files_from.detail == "from build"


async def test_outline_of_a_broken_file(client: LanguageClient) -> None:
    uri = await opened(client, "symbols-broken.def", "From alpine\n%post\n  x\n")
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
