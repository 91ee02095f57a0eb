"""Typed language-server settings with defaults.

Clients send them as `initializationOptions` and in `workspace/didChangeConfiguration`
(either the settings object itself or wrapped as `{"defcheck": {...}}`). Unknown keys and
values of the wrong type are reported and ignored, never fatal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

LOG_LEVELS = ("error", "warning", "info", "debug")


@dataclass(frozen=True)
class DiagnosticsSettings:
    """When and how diagnostics are computed."""

    enable: bool = True
    debounce_ms: int = 0  # quiet time after a change before parse + lint diagnostics
    shellcheck: bool = True
    shellcheck_debounce_ms: int = 400  # quiet time before the (slower) ShellCheck pass


@dataclass(frozen=True)
class FormatSettings:
    """Options handed to the formatter (names as in `FormatOptions`; unknown ones dropped)."""

    enable: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    use_editor_options: bool = False  # take the indent from the editor's tabSize/insertSpaces


@dataclass(frozen=True)
class PinSettings:
    """The "pin this image" code action."""

    enable: bool = True
    timeout_s: float = 15.0


@dataclass(frozen=True)
class Settings:
    """All settings of the defcheck language server."""

    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    format: FormatSettings = field(default_factory=FormatSettings)
    pin: PinSettings = field(default_factory=PinSettings)
    config: str | None = None  # explicit config file; otherwise discovered like the CLI
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    log_level: str = "info"  # error | warning | info | debug (window/logMessage)

    def __post_init__(self) -> None:
        if self.log_level not in LOG_LEVELS:
            object.__setattr__(self, "log_level", "info")


_CAMEL = {
    "debounceMs": "debounce_ms",
    "shellcheckDebounceMs": "shellcheck_debounce_ms",
    "timeoutS": "timeout_s",
    "logLevel": "log_level",
}


def _snake(key: str) -> str:
    if key in _CAMEL:
        return _CAMEL[key]
    out = []
    for ch in key:
        if ch.isupper():
            out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _coerce(name: str, value: Any, default: Any, problems: list[str]) -> Any:
    """Check `value` against the type of `default`; return the default if it does not fit."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    elif isinstance(default, tuple):
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
    elif isinstance(default, Mapping):
        if isinstance(value, Mapping):
            return dict(value)
    elif (default is None or isinstance(default, str)) and (
        value is None or isinstance(value, str)
    ):
        return value
    problems.append(f"setting `{name}`: unexpected value {value!r}; using the default")
    return default


#: Keys editors keep in the same `defcheck` section for themselves (VS Code's extension).
CLIENT_SIDE_KEYS = frozenset({"path", "args", "enable", "trace"})


def _merge(obj: Any, data: Mapping[str, Any], prefix: str, problems: list[str]) -> Any:
    names = {f.name for f in fields(obj)}
    changes: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _snake(str(raw_key))
        name = f"{prefix}{raw_key}"
        if not prefix and key in CLIENT_SIDE_KEYS:
            continue
        if key not in names:
            problems.append(f"unknown setting `{name}`")
            continue
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__"):
            if isinstance(value, Mapping):
                changes[key] = _merge(current, value, f"{name}.", problems)
            else:
                problems.append(f"setting `{name}` should be an object")
            continue
        changes[key] = _coerce(name, value, current, problems)
    return replace(obj, **changes)


def parse_settings(data: object, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from a client's JSON value, plus a list of problems to log."""
    problems: list[str] = []
    settings = base or Settings()
    if data is None:
        return settings, problems
    if isinstance(data, Mapping) and isinstance(data.get("defcheck"), Mapping):
        data = data["defcheck"]
    if not isinstance(data, Mapping):
        problems.append("settings should be an object; ignored")
        return settings, problems
    level = data.get("logLevel", data.get("log_level"))
    if level is not None and level not in LOG_LEVELS:
        problems.append(f"setting `logLevel` should be one of {', '.join(LOG_LEVELS)}")
    return _merge(settings, data, "", problems), problems
