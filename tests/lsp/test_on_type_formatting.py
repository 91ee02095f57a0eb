"""On-type formatting: Enter after a section line indents the new body line."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _on_type(client: LanguageClient, uri: str, line: int) -> list[types.TextEdit]:
    result = await client.text_document_on_type_formatting_async(
        types.DocumentOnTypeFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=pos(line, 0),
            ch="\n",
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    return list(result or [])


async def test_indent_after_section_line(client: LanguageClient) -> None:
    text = "Bootstrap: docker\nFrom: alpine\n%post\n\n    echo\n"
    uri = await opened(client, "ontype.def", text)
    (edit,) = await _on_type(client, uri, 3)
    assert edit.new_text == "    " and edit.range.start == pos(3, 0)
    assert await _on_type(client, uri, 4) == []  # already indented
    assert await _on_type(client, uri, 1) == []  # header
