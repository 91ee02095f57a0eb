"""Configuration: discovery by walking up, `[tool.defcheck]` and `.defcheck.toml`, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from defcheck.errors import ConfigError
from defcheck.lint import LintConfig, Severity, load_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path) -> None:
    assert load_config(start=tmp_path / "a.def") == LintConfig()


def test_pyproject_found_walking_up(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.defcheck]\nselect = ["DEF4"]\nfail-on = "warning"\n'
        'trusted-registries = ["ghcr.io"]\n[tool.defcheck.severity]\nDEF411 = "error"\n'
        '[tool.defcheck.per-file-ignores]\n"sub/*.def" = ["DEF412"]\n',
    )
    cfg = load_config(start=tmp_path / "sub" / "deeper" / "a.def")
    assert cfg.select == ("DEF4",)
    assert cfg.fail_on is Severity.WARNING
    assert cfg.severity_for("DEF411") is Severity.ERROR
    assert cfg.settings.trusted_registries == ("ghcr.io",)
    assert cfg.path == tmp_path / "pyproject.toml"
    assert cfg.ignored_for_path(tmp_path / "sub" / "x.def") == ("DEF412",)


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / ".defcheck.toml", 'ignore = ["DEF411"]\n')
    write(tmp_path / "proj" / "pyproject.toml", "[project]\nname = 'x'\n")
    cfg = load_config(start=tmp_path / "proj" / "a.def")
    assert cfg.ignore == ("DEF411",)


def test_defcheck_toml_wins_over_pyproject_in_same_dir(tmp_path: Path) -> None:
    write(tmp_path / ".defcheck.toml", 'ignore = ["DEF411"]\n')
    write(tmp_path / "pyproject.toml", '[tool.defcheck]\nignore = ["DEF412"]\n')
    assert load_config(start=tmp_path / "a.def").ignore == ("DEF411",)


def test_rule_options(tmp_path: Path) -> None:
    cfg_file = write(tmp_path / ".defcheck.toml", '[options.DEF601]\nknown = ["VERSION"]\n')
    cfg = load_config(cfg_file)
    assert cfg.options_for("DEF601", "undefined-build-arg") == {"known": ("VERSION",)}
    from defcheck.lint import lint_text

    text = "Bootstrap: docker\nFrom: alpine:{{ VERSION }}\n"
    assert "DEF601" not in [f.code for f in lint_text(text, config=cfg, shellcheck=False)]
    assert "DEF601" in [f.code for f in lint_text(text, shellcheck=False)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('selct = ["DEF4"]\n', "key `selct` is not a defcheck setting; did you mean `select`?"),
        ('select = "DEF4"\n', "key `select` should be a list of strings"),
        ('fail-on = "fatal"\n', "key `fail-on` should be one of error, warning, info, style"),
        ("shellcheck = 1\n", "key `shellcheck` should be true or false"),
        ('[severity]\nDEF411 = "loud"\n', "key `severity.DEF411` should be one of"),
        ("[options.DEF601]\nknown = 3\n", "`options.DEF601.known` of rule DEF601 should be a list"),
        ("[options.DEF601]\nnope = 3\n", "`options.DEF601.nope` is not an option of the rule"),
        ("[options.NOPE1]\nx = 1\n", "`options.NOPE1` names no rule"),
        ("select = [\n", "invalid config:"),
    ],
)
def test_invalid_config_messages(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / ".defcheck.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"invalid config: {path}:")
    assert message in str(info.value)


def test_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_format_table_shares_the_config_file(tmp_path: Path) -> None:
    """`[tool.defcheck.format]` belongs to the formatter; the linter accepts and ignores it."""
    write(
        tmp_path / "pyproject.toml",
        '[tool.defcheck]\nignore = ["DEF411"]\n[tool.defcheck.format]\nindent = 2\n',
    )
    cfg = load_config(start=tmp_path / "a.def")
    assert cfg.ignore == ("DEF411",)
