"""Report formats: SARIF (schema + Microsoft's validator), json, github, gitlab, junit, text."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from defcheck.lint import lint_paths
from defcheck.lint.engine import FileResult
from defcheck.lint.report import render, to_github
from lint.conftest import sarif_multitool

DATA = Path(__file__).parent / "data"
SOURCE = (
    "Bootstrap: Docker\n"
    "From: alpine:3.20\n"
    "Stage: build\n"
    "\n"
    "%enviroment\n"
    "    export A=1\n"
    "\n"
    "%labels\n"
    "    VERSION=1.0\n"
    "\n"
    "%post\n"
    '\techo $1 "é"\n'
    "\n"
    "Bootstrap: docker\n"
    "From: alpine:3.20\n"
    "Stage: build\n"
)


@pytest.fixture
def results(tmp_path: Path, shellcheck_bin: str) -> list[FileResult]:
    (tmp_path / "a.def").write_text(SOURCE, encoding="utf-8")
    return lint_paths([tmp_path / "a.def", tmp_path / "missing.def"])


def test_sarif_valid_against_schema(results: list[FileResult]) -> None:
    import jsonschema

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(render("sarif", results))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    errors = sorted(validator_cls(schema).iter_errors(log), key=str)
    assert not errors, [e.message for e in errors[:5]]
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"DEF401", "DEF513", "DEF406", "SC2086"} <= set(ids)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    region = by_rule["DEF401"]["locations"][0]["physicalLocation"]["region"]
    assert region == {
        "startLine": 5,
        "startColumn": 1,
        "endLine": 5,
        "endColumn": 12,
        "snippet": {"text": "%enviroment"},
    }
    fix = by_rule["DEF513"]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert fix["insertedContent"]["text"] == "docker"
    assert by_rule["DEF406"]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 3
    sc_region = by_rule["SC2086"]["locations"][0]["physicalLocation"]["region"]
    assert (sc_region["startLine"], sc_region["startColumn"]) == (12, 7)
    assert run["invocations"][0]["toolExecutionNotifications"]


def test_sarif_valid_for_microsoft_validator(results: list[FileResult], tmp_path: Path) -> None:
    exe = sarif_multitool()
    path = tmp_path / "out.sarif"
    path.write_text(render("sarif", results), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    proc = subprocess.run(
        [exe, "validate", str(path), "--output", str(out), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.is_file(), proc.stdout + proc.stderr
    validation = json.loads(out.read_text(encoding="utf-8-sig"))
    errors = [
        r for run in validation["runs"] for r in run.get("results", []) if r.get("level") == "error"
    ]
    assert not errors, [r["message"] for r in errors]
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_json(results: list[FileResult]) -> None:
    data = json.loads(render("json", results))
    first = next(f for f in data if f["code"] == "DEF513")
    assert first["location"] == {"row": 1, "column": 12}
    assert first["fix"]["applicability"] == "safe"
    assert first["url"].endswith("/DEF513.md")
    assert first["severity"] == "error" and first["name"] == "bootstrap-agent-case"


def test_github_escaping() -> None:
    from defcheck.lint.model import Finding, Severity
    from defcheck.syntax import Span

    res = FileResult(
        "a,b:c.def",
        "x\n",
        findings=(Finding("DEF999", "100% bad\nreally", Span(0, 1), Severity.WARNING, name="n"),),
    )
    line = to_github([res]).strip()
    assert line == (
        "::warning file=a%2Cb%3Ac.def,line=1,col=1,endLine=1,endColumn=2,"
        "title=DEF999 (n)::DEF999 100%25 bad%0Areally"
    )


def test_gitlab(results: list[FileResult]) -> None:
    data = json.loads(render("gitlab", results))
    assert data and all(len(i["fingerprint"]) == 32 for i in data)
    assert len({i["fingerprint"] for i in data}) == len(data)
    assert {i["severity"] for i in data} <= {"info", "minor", "major", "critical", "blocker"}
    assert all(i["location"]["positions"]["begin"]["line"] >= 1 for i in data)


def test_junit(results: list[FileResult]) -> None:
    root = ET.fromstring(render("junit", results))
    suite = root.find("testsuite")
    assert suite is not None
    failures = suite.findall("testcase/failure")
    assert int(root.get("failures", "0")) == len(failures) > 0
    assert int(root.get("errors", "0")) == 1  # missing.def
