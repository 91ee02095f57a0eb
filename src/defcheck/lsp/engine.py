"""The linter and its configuration as the language server sees them.

The linter is imported lazily (it registers every rule on first use); configuration is
discovered exactly like the CLI does (`load_config(start=<file>)`, the nearest
`.defcheck.toml` or `pyproject.toml` with `[tool.defcheck]`), unless the client names a
file in the `config` setting. `select`/`ignore` settings extend what the file says.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from defcheck.lsp.settings import Settings

if TYPE_CHECKING:
    from defcheck.lint.model import Finding, RuleMeta
    from defcheck.syntax import Document

log = logging.getLogger(__name__)

#: Config file names whose changes make the server reload configuration.
CONFIG_FILE_NAMES = (".defcheck.toml", "pyproject.toml")


def lint_available() -> bool:
    """True if `defcheck.lint.lint_document` can be imported."""
    try:
        from defcheck.lint import lint_document  # noqa: F401
    except ImportError:
        return False
    return True


def load_lint_config(path: str | None, settings: Settings) -> tuple[Any, str | None]:
    """The lint configuration for a file and an error message if the config is invalid."""
    try:
        from defcheck.lint import load_config
    except ImportError:
        return None, None
    from defcheck.errors import ConfigError

    error: str | None = None
    try:
        if settings.config:
            config = load_config(settings.config)
        else:
            config = load_config(start=path) if path else load_config()
    except ConfigError as exc:
        error = str(exc)
        config = load_config()
    if settings.select or settings.ignore:
        config = dataclasses.replace(
            config,
            extend_select=(*config.extend_select, *settings.select),
            ignore=(*config.ignore, *settings.ignore),
        )
    return config, error


def clear_config_cache() -> None:
    """Forget discovered configurations (after a config file changed)."""
    try:
        from defcheck.lint.config import clear_cache
    except ImportError:
        return
    clear_cache()


def lint(doc: Document, *, path: str | None, config: Any, shellcheck: bool) -> list[Finding]:
    """Lint findings for a parsed document (empty when the linter is not available)."""
    try:
        from defcheck.lint import lint_document
    except ImportError:
        return []
    found = lint_document(doc, path=path, config=config, shellcheck=shellcheck, incremental=True)
    return list(found)


def rule_meta(code: str) -> RuleMeta | None:
    """Metadata of a rule by code (None for unknown codes or without the linter)."""
    try:
        from defcheck.lint.registry import get_rule
    except ImportError:
        return None
    try:
        found = get_rule(code)
    except Exception:  # a broken rule module must not break hover
        log.exception("rule lookup failed for %s", code)
        return None
    return None if found is None else found.meta


def shellcheck_url(code: str) -> str:
    """The ShellCheck wiki page of an `SCnnnn` code."""
    return f"https://www.shellcheck.net/wiki/{code}"
