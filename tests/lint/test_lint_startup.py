"""Start-up path of `defcheck lint`: what it avoids must not change what it finds."""

from __future__ import annotations

import dataclasses
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from hypothesis import given
from hypothesis import strategies as st

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


# -- start-up replacements for regular expressions: same answers as the patterns -------------

_TRICKY = [
    "",
    "a",
    "A",
    "_",
    "9",
    "a=",
    "=a",
    "_x=1",
    "X9=",
    "a b=c",
    "a-b=c",
    "é=1",
    "a\n=1",
    "pip",
    "pip3",
    "pip3.12",
    "pip.",
    "pipx",
    "Pip3",
    "python",
    "python3.11",
    "python3-x",
    "py",
    "mirrorurl",
    "otherurl",
    "otherurl1",
    "otherurl12x",
    "otherurl١",
    "library",
    "0" * 64,
    "a" * 64,
    "A" * 64,
    "g" * 64,
    "0" * 63,
    "0" * 65,
    "0" * 63 + "\n",
]


@given(st.sampled_from(_TRICKY) | st.text(alphabet="aAfgp9_=.-\n\t é1", max_size=70))
def test_string_predicates_match_the_patterns_they_replace(text: str) -> None:
    from defcheck.lint.rules.shell import _is_env_word, _versioned
    from defcheck.lint.rules.trust import _is_url_key
    from defcheck.refs import _is_hex64, is_sha256_digest

    assert _is_env_word(text) == bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", text, re.S))
    assert _versioned(text, "pip") == bool(re.fullmatch(r"pip[0-9.]*", text))
    assert _versioned(text, "python") == bool(re.fullmatch(r"python[0-9.]*", text))
    url_key = r"mirrorurl|updateurl|confurl|registerurl|library|otherurl[0-9]+"
    assert _is_url_key(text) == bool(re.fullmatch(url_key, text, re.ASCII))
    assert _is_hex64(text) == bool(re.fullmatch(r"[a-f0-9]{64}", text))
    digest = "sha256:" + text
    assert is_sha256_digest(digest) == bool(re.fullmatch(r"sha256:[a-f0-9]{64}", digest))


@pytest.mark.parametrize("text", ["Bootstrap: docker", "bootstrap:x", "BOOTSTRAP:", "bootſtrap:"])
def test_bootstrap_line_detection_is_apptainers(text: str) -> None:
    from defcheck.syntax.lexer import is_stage_line

    # Go's (?i) folds ſ to s, as Apptainer's `(?mi)^bootstrap:` split does
    assert is_stage_line(text, 0)
    assert not is_stage_line(" " + text, 0)


# -- @record: `__init__` made from a renamed template, no source compiled per class ---------


def test_record_init_is_a_plain_function_with_the_fields() -> None:
    from defcheck.syntax.record import record

    @record
    class Point:
        x: int
        y: int = 2
        label: str = "p"

    assert Point(1) == Point(1, 2, "p") == Point(x=1, label="p")
    assert repr(Point(3, label="q")) == "Point(x=3, y=2, label='q')"
    assert str(inspect.signature(Point.__init__)) == "(self, x, y=2, label='p')"
    assert Point.__init__.__qualname__.endswith("Point.__init__")
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]

    @record
    class Empty:
        pass

    assert Empty() == Empty() and repr(Empty()) == "Empty()"


def test_record_field_without_default_after_one_with_is_refused() -> None:
    from defcheck.syntax.record import record

    @record
    class Bad:
        a: int = 1
        b: int

    with pytest.raises(TypeError, match="field 'b' without a default follows one with"):
        Bad(1, 2)


@given(st.text(alphabet="aZ_09= \t\n\u00a0-$é", max_size=30))
def test_export_names_and_assignments_match_their_patterns(text: str) -> None:
    from defcheck.lint.rules.shell import _assignment, _export_names

    pattern = r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)"
    assert _export_names(text) == re.findall(pattern, text)
    m = re.match(r"[ \t]*([A-Za-z_][A-Za-z0-9_]*)=", text)
    assert _assignment(text) == ((m.group(1), m.start(1)) if m else None)
