"""editors/helix/languages.toml: valid TOML with the structure Helix expects (Helix itself is
not available here; the fields follow helix-editor/helix book/src/languages.md)."""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HELIX_DIR = Path(__file__).resolve().parents[2] / "editors" / "helix"


def _config() -> dict[str, Any]:
    with (HELIX_DIR / "languages.toml").open("rb") as fh:
        return tomllib.load(fh)


def _language() -> dict[str, Any]:
    languages = _config()["language"]
    assert isinstance(languages, list)
    assert len(languages) == 1
    language = languages[0]
    assert isinstance(language, dict)
    return language


def test_language_server_entry() -> None:
    server = _config()["language-server"]["defcheck"]
    assert server["command"] == "defcheck"
    assert server["args"] == ["lsp"]
    assert isinstance(server.get("config", {}), dict)
    assert set(server) <= {"command", "args", "config", "environment", "timeout"}


def test_language_entry_fields() -> None:
    language = _language()
    assert language["name"] == "apptainer"
    assert language["scope"] == "source.apptainer"
    assert language["language-servers"] == ["defcheck"]
    assert language["comment-token"] == "#"
    assert language["indent"] == {"tab-width": 4, "unit": "    "}
    assert isinstance(language["roots"], list)
    assert ".defcheck.toml" in language["roots"]
    known = {
        "name", "scope", "file-types", "roots", "comment-token", "indent",
        "language-servers", "auto-format", "grammar", "shebangs", "formatter",
    }  # fmt: skip
    assert set(language) <= known, set(language) - known


def test_file_types_match_definition_file_names() -> None:
    globs = [entry["glob"] for entry in _language()["file-types"]]

    def matches(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, glob) for glob in globs)

    for name in ("Singularity", "Singularity.gpu", "Apptainer", "Apptainer.dev"):
        assert matches(name), name
    for name in ("module.def", "Singularityfile", "README.md"):
        assert not matches(name), name


def test_grammar_queries_exist() -> None:
    language = _language()
    queries = HELIX_DIR / "runtime" / "queries" / language["name"]
    highlights = (queries / "highlights.scm").read_text(encoding="utf-8")
    assert f"; inherits: {language['grammar']}" in highlights
