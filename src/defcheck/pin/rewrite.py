"""Resolutions -> edits. Pure.

Only the `From:` value and its comment change (issue 5); one `Edit` per field covers
the value, the blanks after it and the comment, so everything else stays byte-identical.

>>> from defcheck.syntax import parse
>>> from defcheck.pin.targets import find_targets
>>> text = "Bootstrap: docker\\nFrom: ubuntu:24.04\\n"
>>> target = find_targets(parse(text), "x.def")[0]
>>> new = apply_pin(text, target, "sha256:" + "a" * 64)
>>> new.splitlines()[1][:40]
'From: ubuntu@sha256:aaaaaaaaaaaaaaaaaaaa'
"""

from __future__ import annotations

from enum import Enum

from defcheck.errors import PinError
from defcheck.pin.reference import Agent, render_pin_comment
from defcheck.pin.targets import Target
from defcheck.refs import split_name_tag_digest
from defcheck.syntax import Edit, Span, apply_edits


class Style(Enum):
    """How a docker/oras pin is written."""

    #: `name@sha256:<hex>  # defpin: name:tag` (Apptainer rejects tag and digest together)
    DIGEST = "digest"
    #: `name:tag@sha256:<hex>` (SingularityCE accepts it; Apptainer does not)
    TAG_DIGEST = "tag-digest"


def pinned_value(target: Target, digest: str, style: Style = Style.DIGEST) -> str:
    """The new `From:` value pinning `target` to `digest`."""
    if target.tag_ref is None:
        raise PinError(f"{target.where}: no tag known for this reference")
    if target.transport is Agent.LIBRARY:
        if target.library is None:
            raise PinError(f"{target.where}: no library reference")
        return target.library.pinned_value(digest.replace("sha256:", "sha256.", 1))
    parts = split_name_tag_digest(target.tag_ref)
    if style is Style.TAG_DIGEST:
        return f"{parts.name}:{parts.tag or 'latest'}@{digest}"
    return f"{parts.name}@{digest}"


def pin_comment(target: Target, style: Style = Style.DIGEST) -> str | None:
    """The comment to write after the value, or None to leave the comment alone."""
    if target.tag_ref is None:
        return None
    if style is Style.TAG_DIGEST and target.transport is not Agent.LIBRARY:
        return None
    return render_pin_comment(target.tag_ref, target.comment)


def pin_edit(text: str, target: Target, digest: str, style: Style = Style.DIGEST) -> Edit:
    """One edit replacing the `From:` value (and comment) of `target`."""
    if target.value_span is None:
        raise PinError(f"{target.where}: no From: value to rewrite")
    value = pinned_value(target, digest, style)
    comment = pin_comment(target, style)
    start = target.value_span.start
    if comment is None:
        return Edit(target.value_span, value)
    if target.comment_span is not None:
        gap = text[target.value_span.end : target.comment_span.start]
        return Edit(Span(start, target.comment_span.end), value + (gap or "  ") + comment)
    return Edit(target.value_span, f"{value}  {comment}")


def apply_pin(text: str, target: Target, digest: str, style: Style = Style.DIGEST) -> str:
    """`text` with `target` pinned to `digest` (convenience for one target)."""
    return apply_edits(text, [pin_edit(text, target, digest, style)])
