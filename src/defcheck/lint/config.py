"""Lint configuration: `[tool.defcheck]` in `pyproject.toml` or a `.defcheck.toml`.

The nearest configuration file wins, found by walking up from each linted file (ruff's
model): in every directory `.defcheck.toml` (keys at the top level, or under
`[tool.defcheck]`) is tried first, then `pyproject.toml` with a `[tool.defcheck]` table.
Every key is validated here, in one place, with messages such as
`invalid config: pyproject.toml: key `fail-on` should be one of error, warning, info, style`.

    [tool.defcheck]
    select = ["DEF", "SC"]          # codes, prefixes, rule names or "ALL"
    extend-select = ["DEF705"]
    ignore = ["DEF411"]
    fail-on = "warning"              # exit 1 at or above this severity
    shellcheck = true
    trusted-registries = ["docker.io", "ghcr.io"]
    trusted-namespaces = ["library", "myorg"]

    [tool.defcheck.per-file-ignores]
    "legacy/*.def" = ["DEF4"]

    [tool.defcheck.severity]
    DEF411 = "warning"

    [tool.defcheck.options.DEF601]
    known = ["VERSION"]
"""

from __future__ import annotations

import os
import sys

from defcheck.errors import ConfigError
from defcheck.lint.context import LintSettings
from defcheck.lint.model import Severity
from defcheck.syntax.record import record

# pathlib, fnmatch and tomllib are imported where they are needed: this module is on the
# start-up path of every `defcheck lint`, and most runs find no configuration at all.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

CONFIG_NAMES = (".defcheck.toml", "pyproject.toml")

_KNOWN_KEYS = frozenset(
    {
        "select",
        "extend-select",
        "ignore",
        "extend-ignore",
        "per-file-ignores",
        "severity",
        "fail-on",
        "shellcheck",
        "trusted-registries",
        "trusted-namespaces",
        "library-url",
        "options",
        "format",  # [tool.defcheck.format]: validated by defcheck.format.config
    }
)
_SEVERITIES = ", ".join(s.value for s in Severity)


@record  # not @dataclass (start-up time); `dataclasses.replace` still works, see below
class LintConfig:
    """What to check and how to report it. The default checks every default rule.

    `select=None` means "the rules enabled by default"; `path` is the configuration file
    the values came from and `root` the directory `per-file-ignores` patterns are
    relative to.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.INFO
    shellcheck: bool = True
    settings: LintSettings = LintSettings()  # immutable, so one shared default is fine
    options: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()
    path: Path | None = None
    root: Path | None = None

    def severity_for(self, code: str) -> Severity | None:
        """The configured severity override of a code, if any."""
        for key, sev in self.severity:
            if key == code:
                return sev
        return None

    def options_for(self, code: str, name: str) -> dict[str, object]:
        """Options configured for a rule (by code or by name)."""
        out: dict[str, object] = {}
        for key, values in self.options:
            if key in (code, name):
                out.update(values)
        return out

    def ignored_for_path(self, path: str | Path | None) -> tuple[str, ...]:
        """Codes ignored by `per-file-ignores` for `path`."""
        if path is None or not self.per_file_ignores:
            return ()
        import fnmatch
        from pathlib import Path, PurePosixPath

        p = Path(path)
        candidates = {p.name, PurePosixPath(p).as_posix()}
        if self.root is not None:
            try:
                rel = p.resolve().relative_to(self.root.resolve())
                candidates.add(rel.as_posix())
            except (ValueError, OSError):
                pass
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
                out.extend(codes)
        return tuple(out)

    def replace(self, **changes: Any) -> LintConfig:
        """A copy with some fields changed (`dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(changes)
        return LintConfig(**values)


_FIELDS: tuple[str, ...] = LintConfig.__record_fields__  # type: ignore[attr-defined]


class _DataclassFields:
    """`LintConfig.__dataclass_fields__`, built on first use.

    Callers may treat `LintConfig` as the frozen dataclass it used to be
    (`dataclasses.replace(config, ...)`, `dataclasses.fields`); the `Field`s come from an
    equivalent dataclass made only when such a caller asks, so `defcheck lint` itself
    never imports `dataclasses`.
    """

    def __get__(self, obj: object, owner: type) -> dict[str, Any]:
        import dataclasses

        init: Any = getattr(owner, "__init__")  # noqa: B009
        defaults = dict(zip(_FIELDS, init.__defaults__ or (), strict=True))
        namespace = {"__annotations__": dict.fromkeys(_FIELDS, "object"), **defaults}
        shadow: Any = dataclasses.dataclass(frozen=True)(type(owner.__name__, (), namespace))
        fields: dict[str, Any] = shadow.__dataclass_fields__
        type.__setattr__(owner, "__dataclass_fields__", fields)
        return fields


setattr(LintConfig, "__dataclass_fields__", _DataclassFields())  # noqa: B010


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,no-redef]
    data: dict[str, Any] = tomllib.loads(text)
    return data


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above `start` and its `[tool.defcheck]` table."""
    found = _find_config(_directory(start))
    if found is None:
        return None
    from pathlib import Path

    return Path(found[0]), found[1]


def _directory(start: str | os.PathLike[str]) -> str:
    """The resolved directory of `start`: itself if it is a directory, else its parent.

    (`os.path` rather than `pathlib`, which costs start-up time; same result as
    `Path(start).parent.resolve()`.)
    """
    here = os.fspath(start) or "."
    if not os.path.isdir(here):
        here = os.path.dirname(here.rstrip("/" + os.sep)) or "."
    return os.path.realpath(here)


def _find_config(directory: str) -> tuple[str, dict[str, Any]] | None:
    """`find_config_file` from a resolved directory, walking up to the root."""
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            table = _read_table(candidate)
            if table is not None:
                return candidate, table
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _read_table(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"invalid config: {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"invalid config: {path}: not valid UTF-8") from None
    is_defcheck_toml = os.path.basename(path) == ".defcheck.toml"
    if not is_defcheck_toml and not _may_name_defcheck(text):
        return None  # no `[tool.defcheck]` table: not worth parsing (or importing tomllib)
    try:
        data = _toml_loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"invalid config: {path}: {exc}") from None
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("defcheck"), dict):
        return dict(tool["defcheck"])
    if is_defcheck_toml:
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def _may_name_defcheck(text: str) -> bool:
    """False only if the TOML `text` has no `tool.defcheck` table (a quick scan).

    Conservative: any doubt means "parse it". In TOML 1.0 the table can only come from
    a line that names both `tool` and `defcheck` (`[tool.defcheck]`, `[ "tool".defcheck ]`,
    `tool.defcheck.select = ...`, `tool = {defcheck = ...}`), or from a `defcheck` key
    under a `[tool]` table, or from keys spelled with escapes (`"def\\u0063heck"`).
    Keys and headers never span lines. Files that mention defcheck otherwise (its own
    `pyproject.toml`, `[project.scripts] defcheck = ...`) need no parse.
    """
    if "\\u" in text or "\\U" in text or "\\x" in text:
        return True
    if "defcheck" not in text:
        return False
    bare_key = False
    for line in text.split("\n"):
        if "defcheck" not in line:
            continue
        if "tool" in line:
            return True
        if "defcheck" in line.split("=", 1)[0]:
            bare_key = True
    if not bare_key:
        return False
    return any(_is_tool_header(line) for line in text.split("\n") if "tool" in line)


def _is_tool_header(line: str) -> bool:
    """True for a `[tool]` table header line (or `[[tool]]`, `[ "tool" ]`...)."""
    stripped = line.strip()
    if not stripped.startswith("["):
        return False
    name = stripped.lstrip("[").split("]", 1)[0]
    return "".join(name.split()).strip("\"'") == "tool"


_CACHE: dict[str, LintConfig] = {}


def load_config(path: str | Path | None = None, *, start: str | Path | None = None) -> LintConfig:
    """Load a configuration.

    With `path`, read that file (`.defcheck.toml` or `pyproject.toml`); with `start`, find
    the nearest configuration at or above it; with neither, return the defaults. Raises
    `ConfigError` for invalid files.
    """
    if path is not None:
        from pathlib import Path

        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"invalid config: {p}: no such file")
        table = _read_table(p)
        return parse_config(table or {}, source=p)
    if start is None:
        return LintConfig()
    here = _directory(start)
    config = _CACHE.get(here)
    if config is not None:
        return config
    found = _find_config(here)
    if found is None:
        config = LintConfig()
    else:
        from pathlib import Path

        config = parse_config(found[1], source=Path(found[0]))
    _CACHE[here] = config
    return config


def parse_config(table: Mapping[str, Any], *, source: Path | None = None) -> LintConfig:
    """Validate a `[tool.defcheck]` table into a `LintConfig` (never mutates `table`)."""
    where = str(source) if source is not None else "<config>"

    def bad(key: str, what: str) -> ConfigError:
        return ConfigError(f"invalid config: {where}: key `{key}` {what}")

    for key in table:
        if key not in _KNOWN_KEYS:
            import difflib

            close = difflib.get_close_matches(key, sorted(_KNOWN_KEYS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise bad(key, f"is not a defcheck setting{hint}")

    def strings(key: str) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad(key, "should be a list of strings")
        return tuple(value)

    def severity(key: str, value: object) -> Severity:
        if not isinstance(value, str) or value not in {s.value for s in Severity}:
            raise bad(key, f"should be one of {_SEVERITIES}")
        return Severity(value)

    pfi: list[tuple[str, tuple[str, ...]]] = []
    raw_pfi = table.get("per-file-ignores", {})
    if not isinstance(raw_pfi, dict):
        raise bad("per-file-ignores", "should be a table of glob = [codes]")
    for pattern, codes in raw_pfi.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise bad(f"per-file-ignores.{pattern}", "should be a list of strings")
        pfi.append((pattern, tuple(codes)))

    sev: list[tuple[str, Severity]] = []
    raw_sev = table.get("severity", {})
    if not isinstance(raw_sev, dict):
        raise bad("severity", "should be a table of CODE = severity")
    for code, value in raw_sev.items():
        sev.append((code, severity(f"severity.{code}", value)))

    options: list[tuple[str, tuple[tuple[str, object], ...]]] = []
    raw_opts = table.get("options", {})
    if not isinstance(raw_opts, dict):
        raise bad("options", "should be a table of rule tables")
    for code, values in raw_opts.items():
        if not isinstance(values, dict):
            raise bad(f"options.{code}", "should be a table")
        options.append((code, tuple(_validate_options(code, values, bad))))

    shellcheck = table.get("shellcheck", True)
    if not isinstance(shellcheck, bool):
        raise bad("shellcheck", "should be true or false")
    library_url = table.get("library-url")
    if library_url is not None and not isinstance(library_url, str):
        raise bad("library-url", "should be a string")
    defaults = LintSettings()
    settings = LintSettings(
        trusted_registries=strings("trusted-registries") or defaults.trusted_registries,
        trusted_namespaces=strings("trusted-namespaces") or defaults.trusted_namespaces,
        library_url=library_url,
    )
    ignore = (strings("ignore") or ()) + (strings("extend-ignore") or ())
    return LintConfig(
        select=strings("select"),
        extend_select=strings("extend-select") or (),
        ignore=ignore,
        per_file_ignores=tuple(pfi),
        severity=tuple(sev),
        fail_on=severity("fail-on", table["fail-on"]) if "fail-on" in table else Severity.INFO,
        shellcheck=shellcheck,
        settings=settings,
        options=tuple(options),
        path=source,
        root=source.parent if source is not None else None,
    )


def _validate_options(code: str, values: Mapping[str, Any], bad: Any) -> list[tuple[str, object]]:
    """Check rule options against the rule's declared defaults (type and name)."""
    from defcheck.lint.registry import get_rule

    found = get_rule(code)
    if found is None:
        raise bad(f"options.{code}", "names no rule")
    declared = found.meta.options
    out: list[tuple[str, object]] = []
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise bad(f"options.{code}.{name}", f"is not an option of the rule (options: {known})")
        default = declared[name]
        if not _same_type(default, value):
            raise bad(
                f"options.{code}.{name}",
                f"of rule {found.meta.code} should be {_type_name(default)}",
            )
        out.append((name, tuple(value) if isinstance(value, list) else value))
    return out


def _same_type(default: object, value: object) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if isinstance(default, int):
        return isinstance(value, int)
    return isinstance(value, type(default))


def _type_name(default: object) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (list, tuple)):
        return "a list of strings"
    if isinstance(default, int):
        return "an integer"
    return "a string"


def clear_cache() -> None:
    """Forget discovered configurations (tests, the language server on file changes)."""
    _CACHE.clear()
