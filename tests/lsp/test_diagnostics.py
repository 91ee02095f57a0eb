"""Diagnostics: parse errors appear and disappear as edits break and repair a file."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import change, open_doc, rng, sample, uri_for, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _def001(diags: object) -> list[types.Diagnostic]:
    return [d for d in diags if d.code == "DEF001"]  # type: ignore[attr-defined]


async def test_break_and_repair(client: LanguageClient) -> None:
    uri = uri_for("break-repair.def")
    text = "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo hi\n"
    open_doc(client, uri, text)
    await wait_diagnostics(client, uri, lambda d: not _def001(d))
    # Break it: a header line without a colon (incremental edit on line 1).
    change(client, uri, 2, "From alpine", rng(1, 0, 1, 17))
    diags = await wait_diagnostics(client, uri, lambda d: bool(_def001(d)))
    bad = _def001(diags)[0]
    assert bad.severity == types.DiagnosticSeverity.Error
    assert "had no val" in bad.message
    assert bad.range.start.line == 1
    assert bad.source == "defcheck"
    # Repair it.
    change(client, uri, 3, ":", rng(1, 4, 1, 4))
    await wait_diagnostics(client, uri, lambda d: not _def001(d))
    # Break with an unknown section, repair with a full-text change.
    change(client, uri, 4, "%bogus\n", rng(3, 0, 3, 0))
    diags = await wait_diagnostics(client, uri, lambda d: bool(_def001(d)))
    assert "invalid section" in _def001(diags)[0].message
    change(client, uri, 5, text)
    await wait_diagnostics(client, uri, lambda d: not _def001(d))


async def test_versions_and_close(client: LanguageClient) -> None:
    uri = uri_for("close.def")
    open_doc(client, uri, "Bootstrap docker\n", version=7)
    await wait_diagnostics(client, uri, lambda d: bool(_def001(d)))
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_diagnostics(client, uri, lambda d: len(d) == 0)


async def test_clean_sample_has_no_parse_errors(client: LanguageClient) -> None:
    uri = uri_for("multistage.def")
    open_doc(client, uri, sample("multistage.def"))
    await wait_diagnostics(client, uri, lambda d: not _def001(d))


def _by_code(diags: object, code: str) -> list[types.Diagnostic]:
    return [d for d in diags if d.code == code]  # type: ignore[attr-defined]


async def test_lint_findings_have_codes_links_related_and_tags(client: LanguageClient) -> None:
    uri = uri_for("lint-details.def")
    text = (
        "Bootstrap: docker\nFrom: alpine:3.20\nStage: one\n\n%arguments\n    UNUSED=1\n\n"
        "Bootstrap: shub\nFrom: vsoch/hello-world\nStage: one\n"
    )
    open_doc(client, uri, text)
    diags = await wait_diagnostics(client, uri, lambda d: bool(_by_code(d, "DEF103")))
    pinned = _by_code(diags, "DEF103")[0]
    assert pinned.code_description is not None
    assert pinned.code_description.href.endswith("/DEF103.md")
    assert pinned.source == "defcheck"
    assert pinned.range.start.line == 1
    related = [d for d in diags if d.related_information]
    assert related, diags
    info = related[0].related_information[0]  # type: ignore[index]
    assert info.location.uri == uri
    assert info.location.range.start.line == 2  # the first `Stage: one`
    tags = {t for d in diags for t in (d.tags or [])}
    assert types.DiagnosticTag.Unnecessary in tags
    assert types.DiagnosticTag.Deprecated in tags


async def test_lint_findings_follow_edits(client: LanguageClient) -> None:
    uri = uri_for("lint-edits.def")
    open_doc(client, uri, "Bootstrap: docker\nFrom: alpine:3.20\n")
    await wait_diagnostics(client, uri, lambda d: bool(_by_code(d, "DEF103")))
    digest = "@sha256:" + "a" * 64
    change(client, uri, 2, digest, rng(1, 17, 1, 17))
    await wait_diagnostics(client, uri, lambda d: not _by_code(d, "DEF103"))
