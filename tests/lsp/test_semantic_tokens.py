"""Semantic tokens: keys, values, sections, arguments, placeholders, comments."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _decode(data: list[int], legend: list[str], text: str) -> list[tuple[int, str, str]]:
    lines = text.split("\n")
    out = []
    line = char = 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, _mods = data[i : i + 5]
        line += dl
        char = dc if dl else char + dc
        out.append((line, lines[line][char : char + length], legend[kind]))
    return out


async def test_tokens(client: LanguageClient) -> None:
    text = (
        "Bootstrap: docker # base\nFrom: alpine:{{ TAG }}\n%arguments\n    TAG=3.20\n"
        "%files from build\n    a b\n%appinstall tool\n    make\n"
    )
    uri = await opened(client, "tokens.def", text)
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    legend = caps.semantic_tokens_provider.legend.token_types
    tokens = _decode(list(result.data), list(legend), text)
    assert (0, "Bootstrap", "property") in tokens
    assert (0, "docker", "type") in tokens
    assert (0, "# base", "comment") in tokens
    assert (1, "alpine:", "string") in tokens
    assert (1, "{{ TAG }}", "variable") in tokens
    assert (2, "%arguments", "keyword") in tokens
    assert (3, "TAG", "variable") in tokens
    assert (4, "from build", "parameter") in tokens
    assert (6, "tool", "namespace") in tokens
    assert not any(t[0] in (5, 7) for t in tokens)  # bodies are left to the shell grammar
