"""ShellCheck findings arrive asynchronously, after the fast parse + lint diagnostics."""

from __future__ import annotations

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient
from tests.lsp.conftest import CONFIG, open_doc, start, uri_for, wait_diagnostics

from helpers import require_tool

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def sc_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await start(
        lsp_client,
        options={"diagnostics": {"shellcheck": True, "shellcheckDebounceMs": 300}},
    )
    yield
    await lsp_client.shutdown_session()


async def test_shellcheck_comes_after_the_fast_pass(sc_client: LanguageClient) -> None:
    require_tool("shellcheck", "ShellCheck findings in script sections")
    uri = uri_for("shellcheck.def")
    text = "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo $HOME\n"
    open_doc(sc_client, uri, text)
    first = await wait_diagnostics(sc_client, uri, lambda d: any(x.code == "DEF103" for x in d))
    assert not any(str(x.code).startswith("SC") for x in first)
    later = await wait_diagnostics(sc_client, uri, lambda d: any(x.code == "SC2086" for x in d))
    sc = next(x for x in later if x.code == "SC2086")
    assert sc.source == "shellcheck"
    assert sc.range.start.line == 4
    assert sc.code_description is not None
    assert "shellcheck.net/wiki/SC2086" in sc.code_description.href
