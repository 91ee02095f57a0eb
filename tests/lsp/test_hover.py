"""Hover: sections, header keys, agents, image references, build arguments, rule docs."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _hover(client: LanguageClient, uri: str, line: int, col: int) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(line, col)
        )
    )
    if result is None:
        return None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_hover_texts(client: LanguageClient) -> None:
    uri = await opened(client, "hover.def", sample("multistage.def"))
    key = await _hover(client, uri, 1, 3)
    assert key is not None and "**Bootstrap**" in key
    agent = await _hover(client, uri, 1, 13)
    assert agent is not None and "Required keys:** `From`" in agent
    image = await _hover(client, uri, 15, 9)
    assert image is not None
    assert "Registry: `docker.io`" in image and "Repository: `library/alpine`" in image
    assert "Tag: `3.20`" in image and "not pinned" in image
    arg = await _hover(client, uri, 2, 18)
    assert arg is not None and "`1.22`" in arg
    effective = await _hover(client, uri, 2, 8)
    assert effective is not None and "defaults: `golang:1.22`" in effective
    assert "docker.io/library/golang:1.22" in effective
    post = await _hover(client, uri, 11, 2)
    assert post is not None and "inside the container" in post and "root" in post
    setup_stage = await _hover(client, uri, 18, 13)
    assert setup_stage is not None and "Stage **build**" in setup_stage
    app = await _hover(client, uri, 33, 3)
    assert app is not None and "`tool`" in app
    assert await _hover(client, uri, 12, 8) is None  # inside a script: nothing to say


async def test_hover_implicit_latest_and_rule_docs(client: LanguageClient) -> None:
    uri = await opened(client, "hover-latest.def", "Bootstrap: docker\nFrom: quay.io/org/tool\n")
    text = await _hover(client, uri, 1, 10)
    assert text is not None
    assert "implicit `latest`" in text and "quay.io" in text
    assert "DEF1" in text  # the rule behind the diagnostic on the same range


async def test_hover_library_and_unknown(client: LanguageClient) -> None:
    uri = await opened(client, "hover-lib.def", sample("library.def"))
    text = await _hover(client, uri, 1, 8)
    assert text is not None and "library/default/alpine" in text
    uri2 = await opened(client, "hover-bad.def", "Bootstrap: docker\nFrum: x\n%nonsense\n")
    key = await _hover(client, uri2, 1, 1)
    assert key is not None and "not a header key" in key
