"""Rename: stage names and build-argument names, with validation."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos
from tests.lsp.test_references import TEXT

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_prepare_and_rename_stage(client: LanguageClient) -> None:
    uri = await opened(client, "rename.def", TEXT)
    prep = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(10, 14)
        )
    )
    assert isinstance(prep, types.PrepareRenamePlaceholder)
    assert prep.placeholder == "base"
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=pos(10, 14),
            new_name="builder",
        )
    )
    assert edit is not None and edit.changes is not None
    edits = edit.changes[uri]
    assert sorted(e.range.start.line for e in edits) == [2, 10, 12]
    assert {e.new_text for e in edits} == {"builder"}


async def test_rename_argument_and_reject_bad_names(client: LanguageClient) -> None:
    uri = await opened(client, "rename2.def", TEXT)
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(4, 5), new_name="VER"
        )
    )
    assert edit is not None and edit.changes is not None
    assert len(edit.changes[uri]) == 4
    bad = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=pos(4, 5),
            new_name="not valid",
        )
    )
    assert bad is None
    nothing = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(6, 6)
        )
    )
    assert nothing is None
