"""Start-up path of `defcheck lint`: what it avoids must not change what it finds."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from defcheck.lint.config import LintConfig, _may_name_defcheck, load_config, parse_config
from defcheck.lint.discover import _normalise, discover, discover_names
from defcheck.lint.model import cleandoc
from defcheck.lint.registry import all_rules

REPO = Path(__file__).resolve().parents[2]

TOML_CASES = [
    '[tool.defcheck]\nselect = ["A"]\n',
    "[ \"tool\" . 'defcheck' ]\nx = 1\n",
    "tool.defcheck.select = []\n",
    "tool = {defcheck = {select = []}}\n",
    "[tool]\ndefcheck = {select = []}\n",
    "[ tool ]\ndefcheck.select = []\n",
    '[tool.defcheck.severity]\nDEF1 = "error"\n',
    '[tool]\nx = """\n[other]\n"""\ndefcheck = {a = 1}\n',
    '[tool."def\\u0063heck"]\nx = 1\n',
    '[project]\nname = "defcheck"\n[project.scripts]\ndefcheck = "defcheck.cli:main"\n',
    '[tool.ruff]\nsrc = ["defcheck"]\n',
    "[tool.x]\ndefcheck = 1\n",
    "",
]


@pytest.mark.parametrize("text", TOML_CASES)
def test_skipped_pyproject_has_no_table(text: str) -> None:
    data = tomllib.loads(text)
    tool = data.get("tool")
    has_table = isinstance(tool, dict) and isinstance(tool.get("defcheck"), dict)
    assert _may_name_defcheck(text) or not has_table


def test_own_pyproject_is_not_parsed() -> None:
    assert not _may_name_defcheck((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_lint_config_still_works_with_dataclasses() -> None:
    config = parse_config({"select": ["DEF"], "ignore": ["DEF1"]})
    changed = dataclasses.replace(config, extend_select=("X",))
    assert changed.extend_select == ("X",) and changed.select == ("DEF",)
    assert changed == config.replace(extend_select=("X",))
    assert [f.name for f in dataclasses.fields(LintConfig)][:3] == [
        "select",
        "extend_select",
        "ignore",
    ]


def test_config_found_from_a_relative_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.defcheck]\nignore = ["DEF411"]\n')
    (tmp_path / "a.def").write_text("Bootstrap: docker\nFrom: alpine\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(start="a.def")
    assert config.ignore == ("DEF411",) and config.path == tmp_path / "pyproject.toml"


@pytest.mark.parametrize(
    "raw", ["", ".", "./", "a", "a/", "a//b", "./a/./b/", "/", "//", "///", "//a//b", "a/../b"]
)
def test_names_are_what_pathlib_prints(raw: str) -> None:
    assert _normalise(raw) == str(Path(raw))


def test_discover_names_matches_discover() -> None:
    paths = [REPO / "examples", "examples/./python-app.def"]
    assert list(discover_names(paths)) == [str(p) for p in discover(paths)]


def test_cleandoc_is_inspects() -> None:
    for rule in all_rules():
        doc = rule.check.__doc__ or ""
        assert cleandoc(doc) == inspect.cleandoc(doc)
    for doc in ["", "\n", "a", "  a\n   b\n  c", "\tx\n\t\ty\n\n", "x\n\n  \n   y\n", "a\n  b\n c"]:
        assert cleandoc(doc) == inspect.cleandoc(doc)


def test_lint_avoids_heavy_imports() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from defcheck.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['lint', '--no-shellcheck', 'examples/python-app.def'])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    # (with the shell patch applied, add "dataclasses", "pathlib" and "tempfile")
    for heavy in ("tomllib", "subprocess", "json"):
        assert heavy not in out, heavy
