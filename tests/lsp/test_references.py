"""References: every use of a stage name or a build-argument name."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos

pytestmark = pytest.mark.asyncio(loop_scope="session")

TEXT = (
    "Bootstrap: docker\nFrom: alpine:{{ TAG }}\nStage: base\n%arguments\n    TAG=3.20\n"
    "%post\n    echo {{ TAG }} {{TAG}}\n\n"
    "Bootstrap: docker\nFrom: alpine:{{ TAG }}\n%files from base\n    /a /a\n"
    "%files from base\n    /b /b\n"
)


async def _refs(
    client: LanguageClient, uri: str, line: int, col: int, decl: bool
) -> list[tuple[int, int]]:
    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=pos(line, col),
            context=types.ReferenceContext(include_declaration=decl),
        )
    )
    return sorted((r.range.start.line, r.range.start.character) for r in result or [])


async def test_stage_references(client: LanguageClient) -> None:
    uri = await opened(client, "references.def", TEXT)
    assert await _refs(client, uri, 2, 8, True) == [(2, 7), (10, 12), (12, 12)]
    assert await _refs(client, uri, 10, 13, False) == [(10, 12), (12, 12)]


async def test_argument_references_are_per_stage(client: LanguageClient) -> None:
    uri = await opened(client, "references2.def", TEXT)
    # Stage 1 defines TAG: its uses are its own.
    assert await _refs(client, uri, 6, 13, True) == [(1, 16), (4, 4), (6, 12), (6, 21)]
    # Stage 2 has no default: its placeholder is a separate (file-wide, --build-arg) symbol.
    assert await _refs(client, uri, 9, 16, True) == [(9, 16)]
