"""Signature help: the syntax of the section line or header field being typed."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _help(
    client: LanguageClient, uri: str, line: int, col: int
) -> types.SignatureHelp | None:
    return await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(line, col)
        )
    )


async def test_signatures(client: LanguageClient) -> None:
    text = "Bootstrap: library\nFrom: alpine\n%files from \n%apprun x\n%post\n    echo\n"
    uri = await opened(client, "signature.def", text)
    files = await _help(client, uri, 2, 12)
    assert files is not None
    assert files.signatures[0].label == "%files [from <stage>]"
    assert files.active_parameter == 0
    app = await _help(client, uri, 3, 8)
    assert app is not None and app.signatures[0].label == "%apprun <app>"
    frm = await _help(client, uri, 1, 8)
    assert frm is not None and frm.signatures[0].label.startswith("From: `[library://]")
    assert await _help(client, uri, 5, 6) is None
