"""The "pin this image" command: resolve one `From:` through defpin and return the new text.

This is the only place the language server touches the network, and only when the user
runs the command. Errors (offline, unknown tag, no credentials) come back as one message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from defcheck.syntax import Document


@dataclass(frozen=True, slots=True)
class PinResult:
    """The new text of the file, or an error message."""

    new_text: str | None
    message: str


def pin_stage(doc: Document, path: str, field_offset: int, *, timeout: float) -> PinResult:
    """Pin the `From:` of the stage whose field starts at `field_offset`."""
    from defcheck.errors import DefcheckError
    from defcheck.pin.auth import RegistryAuth
    from defcheck.pin.client import RegistryClient, new_http_client
    from defcheck.pin.credentials import CredentialStore
    from defcheck.pin.engine import Action, Mode, Options, SourceFile, plan
    from defcheck.pin.library import LibraryClient
    from defcheck.pin.resolver import Resolver
    from defcheck.pin.targets import find_targets

    stage = doc.stage_at(field_offset)
    if stage is None:
        return PinResult(None, "no stage at this position")
    targets = [t for t in find_targets(doc, path) if t.stage == stage.index]
    if not targets:
        return PinResult(None, "nothing to pin in this stage")
    options = Options(mode=Mode.PIN, library_url=os.environ.get("DEFPIN_LIBRARY_URL"))
    src = SourceFile(path, doc.text, tuple(targets))
    try:
        auth = RegistryAuth(CredentialStore())
        http = new_http_client(timeout=timeout, auth=auth, concurrency=1)
        lib_http = new_http_client(timeout=timeout, auth=None, concurrency=1)
        try:
            resolver = Resolver(
                RegistryClient(http), LibraryClient(lib_http), concurrency=1, retries=1
            )
            report = plan([src], options, resolver)
        finally:
            http.close()
            lib_http.close()
    except DefcheckError as exc:
        return PinResult(None, f"could not pin: {exc}")
    except OSError as exc:
        return PinResult(None, f"could not pin (network unavailable?): {exc}")
    for outcome in report.outcomes:
        if outcome.action is Action.ERROR:
            return PinResult(None, f"could not pin: {outcome.message}")
    new_text = report.new_texts.get(path)
    if new_text is None:
        reason = "; ".join(o.message for o in report.outcomes if o.message) or "already pinned"
        return PinResult(None, f"nothing changed: {reason}")
    digests = ", ".join(o.new_digest for o in report.outcomes if o.new_digest)
    return PinResult(new_text, f"pinned to {digests}" if digests else "pinned")
