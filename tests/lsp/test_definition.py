"""Go to definition: `%files from NAME` -> `Stage: NAME`; `{{ NAME }}` -> `%arguments`."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _definition(
    client: LanguageClient, uri: str, line: int, col: int
) -> list[types.Location]:
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(line, col)
        )
    )
    assert result is None or isinstance(result, list)
    return [r for r in result or [] if isinstance(r, types.Location)]


async def test_definitions(client: LanguageClient) -> None:
    uri = await opened(client, "definition.def", sample("multistage.def"))
    stage = await _definition(client, uri, 18, 13)
    assert len(stage) == 1 and stage[0].uri == uri
    assert (stage[0].range.start.line, stage[0].range.start.character) == (3, 7)
    arg = await _definition(client, uri, 2, 18)
    assert len(arg) == 1
    assert (arg[0].range.start.line, arg[0].range.start.character) == (6, 4)
    assert await _definition(client, uri, 12, 5) == []


async def test_undefined_stage(client: LanguageClient) -> None:
    uri = await opened(
        client, "definition2.def", "Bootstrap: docker\nFrom: a\n%files from nowhere\n  a b\n"
    )
    assert await _definition(client, uri, 2, 14) == []
