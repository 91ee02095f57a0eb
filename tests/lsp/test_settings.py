"""Settings: typed defaults, camelCase or snake_case, problems reported, never fatal."""

from __future__ import annotations

from defcheck.lsp.settings import Settings, parse_settings


def test_defaults_and_wrapping() -> None:
    assert parse_settings(None) == (Settings(), [])
    settings, problems = parse_settings(
        {"defcheck": {"ignore": ["DEF411"], "diagnostics": {"shellcheckDebounceMs": 50}}}
    )
    assert problems == []
    assert settings.ignore == ("DEF411",)
    assert settings.diagnostics.shellcheck_debounce_ms == 50


def test_problems_are_reported_and_ignored() -> None:
    settings, problems = parse_settings(
        {"select": "DEF1", "pin": 3, "bogus": 1, "logLevel": "loud", "path": "/usr/bin/x"}
    )
    assert settings == Settings()
    text = " ".join(problems)
    assert "`select`" in text and "`pin`" in text and "`bogus`" in text and "logLevel" in text
    assert "path" not in text  # editor-side keys are accepted silently
    _, problems2 = parse_settings(["not", "an", "object"])
    assert problems2
