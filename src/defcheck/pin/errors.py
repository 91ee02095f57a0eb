"""Pin-specific refinements of `defcheck.errors.RegistryError`."""

from __future__ import annotations

from defcheck.errors import RegistryError


class RegistryUnavailable(RegistryError):
    """A registry did not answer usefully (timeout, reset, 5xx, 429); worth a retry.

    `retry_after` is the delay in seconds a 429/503 asked for, if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DigestMismatch(RegistryError):
    """A manifest or blob body does not hash to the digest it was served under."""


class NotFound(RegistryError):
    """The registry or library does not know the repository, tag or digest."""
