"""Reading definition files and writing them back safely.

Reading never raises anything but `SourceReadError` (one line, no traceback); writing is
atomic (temporary file in the same directory, fsync, rename) and happens only when the
content changes, keeping the file's permissions.
"""

from __future__ import annotations

import os
import sys

from defcheck.errors import SourceReadError

#: Files larger than this are refused: no definition file is that big, and the LSP and
#: linter must not be made to read a disk image by a stray glob.
MAX_SOURCE_BYTES = 16 * 1024 * 1024


def decode(data: bytes) -> str:
    """Decode bytes the lossless way: UTF-8 with surrogateescape for invalid bytes."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """Inverse of `decode`: `encode(decode(b)) == b` for every `b`."""
    return text.encode("utf-8", "surrogateescape")


def looks_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB marks a binary file (git's heuristic)."""
    return b"\0" in data[:8192]


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a file, turning every OS error into a one-line `SourceReadError`."""
    p = os.fspath(path)
    try:
        if os.path.isdir(p):
            raise SourceReadError("is a directory, not a definition file", path=p)
        size = os.stat(p).st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceReadError(
                f"file is {size} bytes; definition files over {MAX_SOURCE_BYTES} bytes "
                "are not read",
                path=p,
            )
        with open(p, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise SourceReadError("no such file", path=p) from None
    except PermissionError:
        raise SourceReadError("permission denied", path=p) from None
    except OSError as exc:
        raise SourceReadError(exc.strerror or str(exc), path=p) from None


def read_source(path: str | os.PathLike[str], *, strict_utf8: bool = True) -> str:
    """Read a definition file as text.

    With `strict_utf8` (the command-line default) a binary file or one that is not valid
    UTF-8 is refused with the line and column of the first bad byte; otherwise bad bytes
    are kept with surrogateescape so nothing is lost.
    """
    data = read_bytes(path)
    return decode_source(data, path=str(path), strict_utf8=strict_utf8)


def decode_source(data: bytes, *, path: str | None, strict_utf8: bool = True) -> str:
    """Decode file content, refusing binary or non-UTF-8 data when `strict_utf8`."""
    if looks_binary(data):
        if strict_utf8:
            line = data.count(b"\n", 0, data.index(b"\0")) + 1
            raise SourceReadError(
                "binary file (contains NUL bytes), not a definition file",
                path=path,
                line=line,
                column=data.index(b"\0") - (data.rfind(b"\n", 0, data.index(b"\0")) + 1) + 1,
            )
        return decode(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not strict_utf8:
            return decode(data)
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceReadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path=path, line=line, column=col
        ) from None


def read_stdin() -> str:
    """Read standard input losslessly."""
    return decode(sys.stdin.buffer.read())


def write_atomic(path: str | os.PathLike[str], text: str) -> bool:
    """Write `text` to `path` atomically; return False (and write nothing) if unchanged.

    The new content goes to a temporary file in the same directory, is flushed to disk and
    renamed over the original, so a crash or Ctrl-C leaves either the old or the new file,
    never a truncated one. Permissions of the existing file are kept.
    """
    import contextlib
    import stat
    import tempfile
    from pathlib import Path

    p = Path(path)
    data = encode(text)
    try:
        if p.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SourceReadError(exc.strerror or str(exc), path=str(p)) from None
    try:
        mode = stat.S_IMODE(p.stat().st_mode)
    except OSError:
        mode = 0o644
    try:
        if not os.access(p, os.W_OK) and p.exists():
            raise SourceReadError("permission denied: file is read-only", path=str(p))
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    except OSError as exc:
        raise SourceReadError(f"cannot write: {exc.strerror or exc}", path=str(p)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True
