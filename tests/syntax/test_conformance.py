"""Conformance with Apptainer's own parser (reads ../shared; CI must have it).

Every case of Apptainer's parser test suite, the generated edge cases and e2e files, and
every file of the real-world corpus gives the same result as Apptainer: the same JSON under
FORMAT.md's normaliser, or a rejection (with the same message where it is recorded).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from defcheck.syntax import parse
from defcheck.syntax.apptainer import (
    ApptainerError,
    definitions_json,
    go_json,
    parse_all,
    parse_single,
)
from defcheck.syntax.buildargs import SubstitutionError, read_build_args, substitute
from helpers import shared_dir

IMG = ("help", "environment", "runScript", "test", "startScript")
BLD = ("pre", "setup", "post", "test", "arguments")


def _script(o: dict[str, str] | None) -> tuple[str, str]:
    o = o or {}
    return (o.get("args", ""), o.get("script", ""))


def normalize(d: dict) -> dict:  # type: ignore[type-arg]
    """FORMAT.md §3's normaliser."""
    img, bld = d.get("imageData") or {}, d.get("buildData") or {}
    isc, bsc = img.get("imageScripts") or {}, bld.get("buildScripts") or {}
    files = bld.get("files")
    return {
        "header": d.get("header"),
        "metadata": img.get("metadata"),
        "labels": img.get("labels"),
        "imageScripts": {k: _script(isc.get(k)) for k in IMG},
        "files": None
        if files is None
        else [
            (
                g.get("args", ""),
                None
                if g.get("files") is None
                else [(t.get("source", ""), t.get("destination", "")) for t in g["files"]],
            )
            for g in files
        ],
        "buildScripts": {k: _script(bsc.get(k)) for k in BLD},
        "customData": d.get("customData"),
        "raw": None if d.get("raw") is None else base64.b64decode(d["raw"]),
        "fullraw": None if d.get("fullraw") is None else base64.b64decode(d["fullraw"]),
        "appOrder": d.get("appOrder"),
    }


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")


def _run(path: Path, mode: str) -> object:
    text = _read(path)
    doc = parse(text, split_stages=mode == "all")
    # The tree is lossless on every conformance input.
    assert doc.source() == text
    if mode == "all":
        defs = parse_all(doc)
        if isinstance(defs, ApptainerError):
            return defs
        return json.loads(definitions_json(defs))
    one = parse_single(doc)
    if isinstance(one, ApptainerError):
        return one
    return json.loads(go_json(one.to_json_obj()))


def _expect(path: Path, mode: str, expected: object) -> None:
    got = _run(path, mode)
    if isinstance(expected, str):  # an error text
        assert isinstance(got, ApptainerError), f"Apptainer rejects it: {expected.strip()}"
        want = expected.rstrip("\n")
        if want.startswith("invalid section(s) specified:"):
            # Go map order is unspecified: compare the names as a set.
            prefix = "invalid section(s) specified: "
            assert got.message.startswith(prefix)
            assert set(got.message[len(prefix) :].split(", ")) == set(
                want[len(prefix) :].split(", ")
            )
        elif not want.startswith("panic") and want != "*":
            assert got.message == want
        return
    assert not isinstance(got, ApptainerError), f"Apptainer accepts it, we said: {got}"
    if mode == "all":
        assert isinstance(got, list) and isinstance(expected, list)
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert normalize(a) == normalize(b)
    else:
        assert isinstance(got, dict) and isinstance(expected, dict)
        assert normalize(got) == normalize(expected)


def _cases() -> list[tuple[str, Path, str, object]]:
    root = Path(__file__).resolve().parents[2].parent / "shared"
    conf = root / "conformance" / "apptainer-parser"
    if not conf.is_dir():
        return []
    out: list[tuple[str, Path, str, object]] = []
    for case in sorted((conf / "testdata_good").iterdir()):
        if case.name == "multistage":  # stale fullraw upstream (FORMAT.md)
            continue
        inp = next(p for p in case.iterdir() if p.suffix != ".json" and p.name != "result")
        exp = json.loads((case / f"{inp.name}.json").read_text())
        out.append((f"good/{case.name}", inp, "single", exp))
    for bad in sorted((conf / "testdata_bad").iterdir()):
        out.append((f"bad/{bad.name}", bad, "single", "*"))
    for case in sorted((conf / "testdata_multi").iterdir()):
        inp = next(p for p in case.iterdir() if p.suffix != ".json")
        exp = json.loads((case / f"{inp.name}.json").read_text())
        out.append((f"multi/{case.name}", inp, "all", exp))
    for d in sorted((conf / "generated" / "edge_cases").glob("*.def")):
        for mode, suffix in (("single", "parse"), ("all", "all")):
            j = d.with_name(f"{d.stem}.{suffix}.json")
            e = d.with_name(f"{d.stem}.{suffix}.error")
            exp = json.loads(j.read_text()) if j.exists() else e.read_text()
            out.append((f"edge/{d.stem}/{mode}", d, mode, exp))
    e2e = conf / "e2e"
    for f in sorted(p for p in e2e.rglob("*") if p.is_file()):
        rel = f.relative_to(e2e)
        for mode, suffix in (("single", "parse"), ("all", "all")):
            exp = json.loads((conf / "generated" / "e2e" / f"{rel}.{suffix}.json").read_text())
            out.append((f"e2e/{rel}/{mode}", f, mode, exp))
    corpus = root / "corpus"
    for f in sorted((corpus / "real").glob("*.def")):
        j = corpus / "expected" / f"{f.stem}.all.json"
        e = corpus / "expected" / f"{f.stem}.all.error"
        exp = json.loads(j.read_text()) if j.exists() else e.read_text()
        out.append((f"corpus/{f.stem}", f, "all", exp))
    return out


CASES = _cases()


@pytest.mark.conformance
def test_conformance_data_present() -> None:
    shared_dir()
    # 22 good (minus the stale one), 5 bad, 5 multi, 47x2 edge, 18x2 e2e, 331 corpus.
    assert len(CASES) >= 490


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("path", "mode", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_same_result_as_apptainer(path: Path, mode: str, expected: object) -> None:
    _expect(path, mode, expected)


def _buildarg_cases() -> list[Path]:
    root = Path(__file__).resolve().parents[2].parent / "shared"
    d = root / "conformance" / "apptainer-parser" / "generated" / "buildargs"
    return sorted(d.glob("*.def")) if d.is_dir() else []


@pytest.mark.conformance
def test_buildarg_data_present() -> None:
    shared_dir()
    assert len(_buildarg_cases()) >= 11


@pytest.mark.conformance
@pytest.mark.parametrize("path", _buildarg_cases(), ids=lambda p: p.stem)
def test_buildargs_same_as_apptainer(path: Path) -> None:
    cmdline = [x for x in path.with_suffix(".cmdline").read_text().split("\n") if x]
    argfile = path.with_suffix(".argfile")
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    cli = read_build_args(cmdline, argfile.read_text() if argfile.exists() else None)
    try:
        result = substitute(_read(path), cli)
        error = None
    except SubstitutionError as exc:
        result, error = exc.partial, exc.message
    got: dict[str, object] = {
        "stages": [{"defaults": s.defaults, "substituted": s.text} for s in result.stages],
        "unused": result.unused,
    }
    if error is not None:
        got["error"] = error
    assert got == expected


def _json_cases() -> list[tuple[str, Path, Path, bool]]:
    root = Path(__file__).resolve().parents[2].parent / "shared"
    out: list[tuple[str, Path, Path, bool]] = []
    corpus = root / "corpus"
    for f in sorted((corpus / "real").glob("*.def")):
        j = corpus / "expected" / f"{f.stem}.all.json"
        if j.exists():  # json.Marshal (compact)
            out.append((f"corpus/{f.stem}", f, j, True))
    edge = root / "conformance" / "apptainer-parser" / "generated" / "edge_cases"
    for d in sorted(edge.glob("*.def")):
        j = d.with_name(f"{d.stem}.all.json")
        if j.exists():  # json.MarshalIndent with tabs
            out.append((f"edge/{d.stem}", d, j, False))
    return out


@pytest.mark.conformance
@pytest.mark.parametrize(
    ("path", "expected", "compact"),
    [c[1:] for c in _json_cases()],
    ids=[c[0] for c in _json_cases()],
)
def test_json_is_byte_identical_to_go(path: Path, expected: Path, compact: bool) -> None:
    """Not just equal under the normaliser: the very bytes Go's encoder writes."""
    shared_dir()
    defs = parse_all(parse(_read(path)))
    assert not isinstance(defs, ApptainerError)
    got = go_json([d.to_json_obj() for d in defs], None) if compact else definitions_json(defs)
    assert got == _read(expected).rstrip("\n")
