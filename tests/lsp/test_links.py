"""Document links: image references to their registry pages."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _links(client: LanguageClient, uri: str) -> list[types.DocumentLink]:
    result = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(result or [])


async def test_links(client: LanguageClient) -> None:
    uri = await opened(client, "links.def", sample("multistage.def"))
    links = await _links(client, uri)
    assert [link.target for link in links] == [
        "https://hub.docker.com/_/golang",
        "https://hub.docker.com/_/alpine",
    ]
    assert links[1].range.start.line == 15 and links[1].range.start.character == 6
    text = (
        "Bootstrap: docker\nRegistry: quay.io\nFrom: org/tool:1\n\n"
        "Bootstrap: library\nFrom: alpine:3.19\n"
    )
    uri2 = await opened(client, "links2.def", text)
    targets = [link.target for link in await _links(client, uri2)]
    assert targets == [
        "https://quay.io/repository/org/tool",
        "https://cloud.sylabs.io/library/library/default/alpine",
    ]
    uri3 = await opened(client, "links3.def", "Bootstrap: localimage\nFrom: /tmp/x.sif\n")
    assert await _links(client, uri3) == []
