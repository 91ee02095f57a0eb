"""Which codes are enabled: `select` / `extend-select` / `ignore` / per-file ignores.

Selectors are codes (`DEF401`), prefixes (`DEF4`, `SC`), rule names
(`unknown-section`) or `ALL`. The most specific matching selector wins (ruff's model); on
a tie `ignore` wins. Rules that are off by default are enabled only by their exact code,
their name or `ALL`.
"""

from __future__ import annotations

from collections.abc import Iterable


def _specificity(selector: str, code: str, name: str, *, prefix_ok: bool) -> int:
    if selector == "ALL":
        return 0
    if selector in (code, name):
        return 1000
    if prefix_ok and code.startswith(selector):
        return len(selector)
    return -1


class Selection:
    """A resolved selection; `enabled(code, name)` answers for one rule."""

    def __init__(
        self,
        *,
        select: Iterable[str] | None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> None:
        self.use_defaults = select is None
        self.positive = tuple(select or ()) + tuple(extend_select)
        self.negative = tuple(ignore)
        self._cache: dict[str, bool] = {}

    def enabled(self, code: str, name: str = "", *, default_enabled: bool = True) -> bool:
        """True if the rule `code` (named `name`) should run."""
        if code in self._cache:
            return self._cache[code]
        pos = -1
        if self.use_defaults and default_enabled:
            pos = 0
        for sel in self.positive:
            pos = max(pos, _specificity(sel, code, name, prefix_ok=default_enabled))
        neg = max((_specificity(s, code, name, prefix_ok=True) for s in self.negative), default=-1)
        result = pos >= 0 and pos > neg
        self._cache[code] = result
        return result
