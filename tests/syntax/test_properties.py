"""Property tests: no input crashes the parser, breaks the round trip or a span."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from defcheck.syntax import parse
from defcheck.syntax.apptainer import ApptainerError, parse_all
from helpers import check_invariants

REPO = Path(__file__).resolve().parents[2]
SAMPLES = [p.read_text() for p in sorted((REPO / "examples").glob("*.def"))]

LINES = st.sampled_from(
    [
        "Bootstrap: docker",
        "bootstrap:library",
        "From: ubuntu:24.04",
        "From: a # c \\",
        "  continued\\",
        "Stage: s",
        "# comment",
        "",
        "   ",
        "%post",
        "%post -c /bin/bash",
        "  %runscript",
        "%files from s",
        "%labels",
        "%appinstall app",
        "%AppRun x",
        "%arguments",
        "A={{ B }}",
        "  echo {{ NAME }} # {{ X }}",
        "  src dst",
        "\t'a b' \"c d\"",
        "%",
        "%%env",
        "key value",
        "\ufeffBootstrap: docker",
        "x\udcff",
    ]
)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r", ""])


@st.composite
def definition_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(LINES, ENDINGS), max_size=30))
    return "".join(a + b for a, b in parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition_texts())
def test_generated_files_round_trip(text: str) -> None:
    for split in (True, False):
        doc = parse(text, split_stages=split)
        check_invariants(doc)
        assert isinstance(doc.diagnostics, list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    doc = parse(text)
    check_invariants(doc)
    result = parse_all(doc)
    assert isinstance(result, (list, ApptainerError))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    doc = parse(text)
    check_invariants(doc)
    assert doc.text.encode("utf-8", "surrogateescape") == data


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_examples(sample: str, data: st.DataObject) -> None:
    """Insert, delete or replace a slice of a real example: still lossless, no crash."""
    i = data.draw(st.integers(0, len(sample)))
    j = data.draw(st.integers(i, min(len(sample), i + 40)))
    insert = data.draw(st.one_of(LINES, st.text(max_size=20)))
    mutated = sample[:i] + insert + sample[j:]
    check_invariants(parse(mutated))
