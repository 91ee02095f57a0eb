"""Formatter configuration: `[tool.defcheck.format]` in `pyproject.toml` or `[format]`
in `.defcheck.toml` (the linter's file discovery: walking up from each file, in every
directory `.defcheck.toml` is tried before `pyproject.toml`; the nearest file with a
defcheck table wins).

    [tool.defcheck.format]
    indent = 4              # spaces, or "tab"
    line-ending = "preserve"  # or "lf", "crlf"
    sort-sections = false
    preview = false         # true, or a list of preview style names
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from defcheck.errors import ConfigError
from defcheck.format.options import FormatOptions

CONFIG_NAMES = (".defcheck.toml", "pyproject.toml")


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found]
    data: dict[str, Any] = tomllib.loads(text)
    return data


def read_table(path: Path) -> dict[str, Any] | None:
    """The `format` table of a configuration file; None if the file has no defcheck
    table; {} if it has one without `format`."""
    try:
        data = _toml_loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"invalid config: {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"invalid config: {path}: not valid UTF-8") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigError(f"invalid config: {path}: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("defcheck"), dict):
        table: dict[str, Any] = tool["defcheck"]
    elif path.name == ".defcheck.toml":
        table = {k: v for k, v in data.items() if k != "tool"}
    else:
        return None
    fmt = table.get("format", {})
    if not isinstance(fmt, dict):
        raise ConfigError(f"invalid config: {path}: key `format` should be a table")
    return fmt


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above `start` and its `format` table."""
    here = (start if start.is_dir() else start.parent).resolve()
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                table = read_table(candidate)
                if table is not None:
                    return candidate, table
    return None


_CACHE: dict[Path, FormatOptions] = {}


def load_options(
    *, path: str | Path | None = None, start: str | Path | None = None
) -> FormatOptions:
    """Options from `path`, or from the nearest configuration at or above `start`.

    Raises `ConfigError` for an invalid file; returns the defaults when there is none.
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"invalid config: {p}: no such file")
        return FormatOptions.from_mapping(read_table(p) or {}, source=str(p))
    if start is None:
        return FormatOptions()
    here = Path(start)
    key = (here if here.is_dir() else here.parent).resolve()
    if key not in _CACHE:
        found = find_config(key)
        _CACHE[key] = (
            FormatOptions()
            if found is None
            else FormatOptions.from_mapping(found[1], source=str(found[0]))
        )
    return _CACHE[key]


def clear_cache() -> None:
    """Forget configurations found so far (each `defcheck fmt` run starts afresh)."""
    _CACHE.clear()
