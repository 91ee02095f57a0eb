"""Machine-readable reports: json, sarif (2.1.0), github, gitlab, junit.

Each function takes the `FileResult`s of a run and returns the report text. Positions are
1-based lines and columns counted in code points (SARIF says so with `columnKind`).
The human text output lives in `defcheck.cli.render_lint`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from defcheck import __version__
from defcheck.lint.engine import FileResult
from defcheck.lint.model import Finding, RuleMeta, Severity
from defcheck.syntax import LineIndex, Span

FORMATS = ("json", "sarif", "github", "gitlab", "junit")
_INFO_URI = "https://github.com/defcheck/defcheck"
_SC_WIKI = "https://www.shellcheck.net/wiki/"


class _Positions:
    """1-based (line, column) of offsets in one file, built lazily."""

    def __init__(self, text: str | None) -> None:
        self.text = text or ""
        self._index: LineIndex | None = None

    def at(self, offset: int) -> tuple[int, int]:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index.line_col(offset)

    def region(self, span: Span) -> dict[str, int]:
        sl, sc = self.at(span.start)
        el, ec = self.at(span.end)
        return {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec}


def _meta(code: str) -> RuleMeta | None:
    from defcheck.lint.registry import get_rule

    found = get_rule(code)
    return found.meta if found else None


def finding_url(code: str) -> str:
    """Documentation link of a code (ShellCheck's wiki for SC codes)."""
    if code.startswith("SC"):
        return _SC_WIKI + code
    meta = _meta(code)
    return meta.url if meta else _INFO_URI


# -- json -------------------------------------------------------------------------------


def to_json(results: Sequence[FileResult]) -> str:
    """A JSON list of findings (ruff-like fields)."""
    out: list[dict[str, Any]] = []
    for res in results:
        pos = _Positions(res.text)
        for f in res.findings:
            row, col = pos.at(f.span.start)
            erow, ecol = pos.at(f.span.end)
            fix = None
            if f.fix is not None:
                fix = {
                    "applicability": f.fix.applicability.value,
                    "message": f.fix.description,
                    "edits": [
                        {
                            "content": e.text,
                            "location": dict(
                                zip(("row", "column"), pos.at(e.span.start), strict=True)
                            ),
                            "end_location": dict(
                                zip(("row", "column"), pos.at(e.span.end), strict=True)
                            ),
                        }
                        for e in f.fix.edits
                    ],
                }
            out.append(
                {
                    "code": f.code,
                    "name": f.name,
                    "message": f.message,
                    "severity": f.severity.value,
                    "filename": res.path,
                    "location": {"row": row, "column": col},
                    "end_location": {"row": erow, "column": ecol},
                    "fix": fix,
                    "url": finding_url(f.code),
                    "related": [
                        {
                            "message": r.message,
                            "location": dict(
                                zip(("row", "column"), pos.at(r.span.start), strict=True)
                            ),
                        }
                        for r in f.related
                    ],
                }
            )
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


# -- sarif ------------------------------------------------------------------------------

_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return p.as_posix()


def _sarif_rule(code: str) -> dict[str, Any]:
    meta = _meta(code)
    if meta is None:
        return {
            "id": code,
            "name": "shellcheck" if code.startswith("SC") else code,
            "shortDescription": {"text": f"ShellCheck {code}."},
            "helpUri": finding_url(code),
            "properties": {"tags": ["shellcheck"]},
        }
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary.rstrip(".") + "."},
        "fullDescription": {"text": meta.summary.rstrip(".") + "."},
        "help": {"text": meta.explanation or meta.summary, "markdown": meta.explanation},
        "helpUri": meta.url,
        "defaultConfiguration": {"level": _SARIF_LEVEL[meta.severity]},
        "properties": {"tags": [meta.family]},
    }


def _message(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def to_sarif(results: Sequence[FileResult]) -> str:
    """A SARIF 2.1.0 log: one run, rule metadata, exact regions and fixes."""
    codes = sorted({f.code for r in results for f in r.findings})
    rule_index = {c: i for i, c in enumerate(codes)}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for res in results:
        if res.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": _message(str(res.error))},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": _uri(res.path)}}}
                    ],
                }
            )
            continue
        pos = _Positions(res.text)
        for f in res.findings:
            sarif_results.append(_sarif_result(f, res.path, pos, rule_index[f.code]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "defcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": _INFO_URI,
                "rules": [_sarif_rule(c) for c in codes],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_result(f: Finding, path: str, pos: _Positions, index: int) -> dict[str, Any]:
    uri = _uri(path)
    region: dict[str, Any] = dict(pos.region(f.span))
    if f.span.end > f.span.start:
        region["snippet"] = {"text": f.span.slice(pos.text)}
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": _message(f.message)},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}],
        "partialFingerprints": {"defcheck/v1": _fingerprint(path, f, pos.text)},
    }
    if f.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "message": {"text": _message(r.message)},
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": pos.region(r.span),
                },
            }
            for i, r in enumerate(f.related)
        ]
    if f.fix is not None and f.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": _message(f.fix.description)},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri},
                        "replacements": [
                            {
                                "deletedRegion": pos.region(e.span),
                                "insertedContent": {"text": e.text},
                            }
                            for e in f.fix.edits
                        ],
                    }
                ],
            }
        ]
        result["properties"] = {"fixApplicability": f.fix.applicability.value}
    return result


def _fingerprint(path: str, f: Finding, text: str) -> str:
    """Stable across unrelated edits: path, code, message and the flagged line's text."""
    start = text.rfind("\n", 0, f.span.start) + 1
    end = text.find("\n", f.span.start)
    line = text[start : end if end >= 0 else len(text)].strip()
    raw = "\0".join((path, f.code, f.message, line))
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:32]


# -- github -----------------------------------------------------------------------------

_GITHUB_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def to_github(results: Sequence[FileResult]) -> str:
    """GitHub Actions workflow commands (`::error file=...::message`)."""
    lines: list[str] = []
    for res in results:
        if res.error is not None:
            lines.append(f"::error file={_gh_prop(res.path)}::{_gh_data(res.error.message)}")
            continue
        pos = _Positions(res.text)
        for f in res.findings:
            r = pos.region(f.span)
            props = (
                f"file={_gh_prop(res.path)},line={r['startLine']},col={r['startColumn']},"
                f"endLine={r['endLine']},endColumn={r['endColumn']},"
                f"title={_gh_prop(f'{f.code} ({f.name})' if f.name else f.code)}"
            )
            lines.append(
                f"::{_GITHUB_LEVEL[f.severity]} {props}::{_gh_data(f.code + ' ' + f.message)}"
            )
    return "".join(line + "\n" for line in lines)


# -- gitlab -----------------------------------------------------------------------------

_GITLAB_SEVERITY = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
    Severity.STYLE: "info",
}


def to_gitlab(results: Sequence[FileResult]) -> str:
    """GitLab Code Quality report (a JSON list of issues)."""
    out: list[dict[str, Any]] = []
    for res in results:
        pos = _Positions(res.text)
        for f in res.findings:
            r = pos.region(f.span)
            out.append(
                {
                    "type": "issue",
                    "description": f"{f.code} {f.message}",
                    "check_name": f.code,
                    "fingerprint": _fingerprint(res.path, f, pos.text),
                    "severity": _GITLAB_SEVERITY[f.severity],
                    "categories": ["Bug Risk" if f.severity is Severity.ERROR else "Style"],
                    "location": {
                        "path": Path(res.path).as_posix(),
                        "positions": {
                            "begin": {"line": r["startLine"], "column": r["startColumn"]},
                            "end": {"line": r["endLine"], "column": r["endColumn"]},
                        },
                    },
                }
            )
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


# -- junit ------------------------------------------------------------------------------


def to_junit(results: Sequence[FileResult]) -> str:
    """JUnit XML: one test suite, one test case per finding (or per clean file)."""
    import xml.etree.ElementTree as ET

    total = failures = errors = 0
    suite = ET.Element("testsuite", name="defcheck")
    for res in results:
        if res.error is not None:
            total += 1
            errors += 1
            case = ET.SubElement(suite, "testcase", name=res.path, classname=res.path)
            ET.SubElement(case, "error", message=res.error.message).text = str(res.error)
            continue
        if not res.findings:
            total += 1
            ET.SubElement(suite, "testcase", name=res.path, classname=res.path)
            continue
        pos = _Positions(res.text)
        for f in res.findings:
            total += 1
            failures += 1
            line, col = pos.at(f.span.start)
            where = f"{res.path}:{line}:{col}"
            case = ET.SubElement(
                suite, "testcase", name=f"{where} {f.code}", classname=res.path, line=str(line)
            )
            failure = ET.SubElement(case, "failure", message=f.message, type=f.code)
            failure.text = f"{where}: {f.code} [{f.severity.value}] {f.message}"
    for key, value in (("tests", total), ("failures", failures), ("errors", errors)):
        suite.set(key, str(value))
    root = ET.Element(
        "testsuites", name="defcheck", tests=str(total), failures=str(failures), errors=str(errors)
    )
    root.append(suite)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


RENDERERS: dict[str, Callable[[Sequence[FileResult]], str]] = {
    "json": to_json,
    "sarif": to_sarif,
    "github": to_github,
    "gitlab": to_gitlab,
    "junit": to_junit,
}


def render(fmt: str, results: Sequence[FileResult]) -> str:
    """The report in format `fmt` (one of `FORMATS`)."""
    return RENDERERS[fmt](results)
