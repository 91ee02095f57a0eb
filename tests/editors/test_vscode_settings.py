"""The VS Code extension's server settings (editors/vscode/package.json) are exactly the
language server's settings: same names, same defaults, accepted without problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PACKAGE_JSON = Path(__file__).resolve().parents[2] / "editors" / "vscode" / "package.json"
LAUNCH = {"path", "args", "enable", "trace"}  # read by the extension, never sent


def _server_defaults() -> dict[str, Any]:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties = package["contributes"]["configuration"]["properties"]
    nested: dict[str, Any] = {}
    for full_key, schema in properties.items():
        key = full_key.removeprefix("defcheck.")
        if key.split(".")[0] in LAUNCH:
            continue
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = schema["default"]
    return nested


def test_every_server_setting_is_known_with_the_same_default() -> None:
    from defcheck.lsp import settings as settings_mod

    sent = _server_defaults()
    parsed, problems = settings_mod.parse_settings(sent)
    assert problems == []
    assert parsed == settings_mod.Settings()
    # and wrapped in the section name, as workspace/configuration answers may be
    wrapped, problems = settings_mod.parse_settings({"defcheck": sent})
    assert problems == []
    assert wrapped == parsed


def test_every_server_setting_is_exposed() -> None:
    from dataclasses import fields, is_dataclass

    from defcheck.lsp import settings as settings_mod

    def names(obj: object, prefix: str = "") -> set[str]:
        out: set[str] = set()
        for f in fields(obj):  # type: ignore[arg-type]
            value = getattr(obj, f.name)
            if is_dataclass(value):
                out |= names(value, f"{prefix}{f.name}.")
            else:
                out.add(prefix + f.name)
        return out

    def snake(key: str) -> str:
        return "".join("_" + c.lower() if c.isupper() else c for c in key)

    exposed: set[str] = set()

    def walk(node: dict[str, Any], prefix: str = "") -> None:
        for key, value in node.items():
            if isinstance(value, dict) and key != "options":
                walk(value, f"{prefix}{key}.")
            else:
                exposed.add(prefix + snake(key))

    walk(_server_defaults())
    assert exposed == names(settings_mod.Settings())
