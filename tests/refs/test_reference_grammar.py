"""The hand-written reference matcher against the grammar as one regular expression.

`defcheck.refs.match_reference` replaces containers/image's reference regular expression
(compiling it cost more start-up time than a typical lint run); these tests compare the two
on generated references and on near misses.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from defcheck.refs import (
    is_docker_path_component,
    is_docker_tag,
    is_registry_hostname,
    match_reference,
)

_COMP = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(
    rf"((?:{_HOST}(?::[0-9]+)?/)?{_COMP}(?:/{_COMP})*)(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII
)

H = "0123456789abcdef" * 4
NEAR_MISSES = [
    "",
    "a",
    "A",
    "a:",
    ":1",
    "a@",
    "@",
    "a/",
    "/a",
    "a//b",
    "a..b",
    "a__b",
    "a___b",
    "a--b",
    "a-",
    "-a",
    "a.-b",
    "a_-b",
    "localhost:5000/a",
    "localhost:5000",
    "localhost:/a",
    "local_host/a",
    "-h.io/a",
    "h-.io/a",
    "h.io./a",
    "h..io/a",
    "H.IO/a",
    "h.io:0x1/a",
    "h.io:1:2/a",
    "a:b:c",
    "a:" + "x" * 128,
    "a:" + "x" * 129,
    "a:-x",
    "a:.x",
    "a:_x",
    f"a@sha256:{H}",
    f"a:1@sha256:{H}",
    f"a@sha256:{H[:31]}",
    f"a@sha256:{H[:32]}",
    f"a@SHA+X.y-z_w:{H}",
    f"a@sha256+:{H}",
    f"a@9sha:{H}",
    f"a@sha256:{H}@x",
    f"a@:{H}",
    "a/b/c:1.0",
    "quay.io/org/app",
    "127.0.0.1:5000/x/y:z",
    "a\n",
    "é",
    "a:é",
    "a/É",
    "xn--bcher-kva.example/a",
    "a:1/b",
    "h.io/A",
    "h.io/a:B",
    "h.io/a:b@x:1",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses(text: str) -> None:
    m = REFERENCE.fullmatch(text)
    assert match_reference(text) == (m.groups() if m else None)  # type: ignore[comparison-overlap]


_ATOMS = st.sampled_from(
    ["a", "b0", "Z", "9", ".", "_", "__", "-", "--", ":", "/", "@", "5000", "io", "sha256", H,
     H[:32], "+", "é", "x" * 60]
)  # fmt: skip


@settings(max_examples=1500)
@given(st.lists(_ATOMS, max_size=12).map("".join))
def test_matches_the_regular_expression(text: str) -> None:
    m = REFERENCE.fullmatch(text)
    assert match_reference(text) == (m.groups() if m else None)  # type: ignore[comparison-overlap]


@settings(max_examples=800)
@given(st.text(alphabet="aB0_.-:/@+é", max_size=20))
def test_parts_match_their_expressions(text: str) -> None:
    assert is_docker_path_component(text) == bool(re.fullmatch(_COMP, text, re.ASCII))
    assert is_docker_tag(text) == bool(re.fullmatch(_TAG, text, re.ASCII))
    assert is_registry_hostname(text) == bool(re.fullmatch(_HOST, text, re.ASCII))
