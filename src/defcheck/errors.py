"""The one exception tree of defcheck.

```
DefcheckError
  SourceError (path, span): ParseError, TemplateError, SourceReadError
  ConfigError: "invalid config: <file>: <key> ..."
  PinError: RegistryError, AuthError, ImageRefError
  BuildError (span)
  InternalError: FormatterSafetyError, RuleCrash
```

Findings are values, not exceptions. An exception stops an operation and says what went
wrong, where (a path and, when known, a line and column) and what to do. Only the
command-line and language-server boundaries catch broadly.
"""

from __future__ import annotations


class DefcheckError(Exception):
    """Base class of every error defcheck raises on purpose."""


class SourceError(DefcheckError):
    """An error about a definition file, with its location when known.

    `line` and `column` are 1-based, as printed to users (`FILE:LINE:COL`).
    """

    def __init__(
        self, message: str, *, path: str | None = None, line: int = 0, column: int = 0
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def location(self) -> str:
        """`path:line:col`, leaving out what is not known."""
        where = self.path or "<stdin>"
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return where

    def __str__(self) -> str:
        return f"{self.location()}: error: {self.message}"


class SourceReadError(SourceError):
    """A file could not be read as a definition file (missing, directory, binary...)."""


class ParseError(SourceError):
    """Apptainer would reject the file."""


class TemplateError(SourceError):
    """Build-argument substitution failed (undefined argument, bad --build-arg...)."""


class ConfigError(DefcheckError):
    """Invalid configuration: `invalid config: <file>: <key> ...`."""


class PinError(DefcheckError):
    """Resolving or pinning an image reference failed."""


class ImageRefError(PinError):
    """An image reference could not be parsed."""


class RegistryError(PinError):
    """A registry could not be reached or answered with an error."""


class AuthError(RegistryError):
    """A registry refused the credentials (or no credentials were available)."""


class BuildError(SourceError):
    """A build failed; the location names the stage and section when known."""


class InternalError(DefcheckError):
    """A bug in defcheck; the message says what to report."""


class FormatterSafetyError(InternalError):
    """The formatter's output failed its equivalence or stability check."""


class RuleCrash(InternalError):
    """A lint rule raised; reported as a finding so the run goes on."""
