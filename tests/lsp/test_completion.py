"""Completion: sections, header keys per agent, agents, stages, apps, build arguments."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import opened, pos, sample

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _labels(
    client: LanguageClient, uri: str, line: int, col: int
) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(line, col)
        )
    )
    assert isinstance(result, types.CompletionList)
    return list(result.items)


async def test_sections_with_snippets(client: LanguageClient) -> None:
    uri = await opened(client, "comp-sec.def", "Bootstrap: docker\nFrom: alpine\n%po\n")
    items = await _labels(client, uri, 2, 3)
    post = next(i for i in items if i.label == "%post")
    assert post.insert_text_format == types.InsertTextFormat.Snippet
    assert post.text_edit is not None and post.text_edit.new_text.startswith("%post\n")
    assert post.text_edit.range.start.character == 0  # replaces the typed `%po`
    assert sorted(items, key=lambda i: i.sort_text or "")[0].label == "%post"


async def test_header_keys_follow_the_agent(client: LanguageClient) -> None:
    uri = await opened(client, "comp-keys.def", "Bootstrap: debootstrap\nOS\n")
    labels = {i.label for i in await _labels(client, uri, 1, 2)}
    assert {"OSVersion", "MirrorURL", "Include"} <= labels
    assert "Registry" not in labels and "Bootstrap" not in labels
    uri2 = await opened(client, "comp-keys2.def", "Bootstrap: docker\n\n")
    labels2 = {i.label for i in await _labels(client, uri2, 1, 0)}
    assert {"From", "Registry", "Namespace", "Stage"} <= labels2
    assert "MirrorURL" not in labels2


async def test_agents(client: LanguageClient) -> None:
    uri = await opened(client, "comp-agent.def", "Bootstrap: do\n")
    items = await _labels(client, uri, 0, 13)
    labels = {i.label for i in items}
    assert {"docker", "docker-daemon", "library", "debootstrap"} <= labels
    docker = next(i for i in items if i.label == "docker")
    assert docker.text_edit is not None and docker.text_edit.range.start.character == 11


async def test_stage_app_and_argument_names(client: LanguageClient) -> None:
    text = sample("multistage.def") + "\n%files from \n"
    uri = await opened(client, "comp-names.def", text)
    last = text.count("\n") - 1
    stages = {i.label for i in await _labels(client, uri, last, len("%files from "))}
    assert stages == {"build"}
    lines = text.splitlines()
    app_line = lines.index("%apprun tool")
    apps = {i.label for i in await _labels(client, uri, app_line, len("%apprun "))}
    assert apps == {"tool"}
    args = await _labels(client, uri, 2, len("From: golang:{{ "))
    assert {i.label for i in args} == {"GO_VERSION"}


async def test_nothing_inside_scripts(client: LanguageClient) -> None:
    uri = await opened(client, "comp-none.def", "Bootstrap: docker\nFrom: a\n%post\n    ech\n")
    assert await _labels(client, uri, 3, 7) == []
