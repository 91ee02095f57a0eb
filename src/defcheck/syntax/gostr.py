"""Go string semantics that Apptainer's parser relies on.

Go's `strings.TrimSpace`, `strings.Fields` and `bufio.ScanWords` treat *Unicode* white space
as blank, which is not the same set as Python's `str.isspace` (Python also counts the ASCII
separators U+001C..U+001F). Go's `strings.ToLower` uses simple case mapping and replaces
invalid UTF-8 (surrogate-escaped bytes here) with U+FFFD. Spec §0 and FORMAT.md, "Unicode note".
"""

from __future__ import annotations

#: Go's unicode.IsSpace / bufio.isSpace.
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_trim(s: str) -> str:
    """`strings.TrimSpace`."""
    return s.strip(GO_SPACE)


def go_lower(s: str) -> str:
    """`strings.ToLower` (simple case mapping; invalid bytes become U+FFFD)."""
    if s.isascii():
        return s.lower()
    out: list[str] = []
    for ch in s:
        if "\udc80" <= ch <= "\udcff":
            out.append("\ufffd")
            continue
        low = ch.lower()
        if len(low) != 1:
            # Only U+0130 (I with dot) has a multi-character full lower-case mapping.
            low = "i" if ch == "\u0130" else ch
        out.append(low)
    return "".join(out)


def go_lstrip(s: str) -> str:
    """Leading white space removed, as `bufio.ScanWords` skips it."""
    return s.lstrip(GO_SPACE)


def utf8_len(s: str) -> int:
    """Length in bytes of `s` as Apptainer reads it (surrogate escapes are single bytes)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-8", "surrogateescape"))
