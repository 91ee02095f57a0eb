"""defcheck: linter, formatter, digest pinner, builder and language server for
Apptainer/Singularity definition files.

>>> import defcheck
>>> defcheck.parse("Bootstrap: docker\\nFrom: alpine:3.20\\n").stages[0].value("from")
'alpine:3.20'
"""

from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.syntax import Document, parse

__all__ = ["Document", "__version__", "parse"]


def __getattr__(name: str) -> object:
    # Lazy: `import defcheck.errors` or `defpin --help` should not load the parser.
    if name in ("Document", "parse"):
        from defcheck import syntax

        return getattr(syntax, name)
    raise AttributeError(f"module 'defcheck' has no attribute {name!r}")
