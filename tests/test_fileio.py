"""Reading and writing definition files: one-line errors, atomic and lossless writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from defcheck.errors import SourceReadError
from defcheck.fileio import decode, encode, read_source, write_atomic


def test_lossless_decode_encode() -> None:
    data = b"Bootstrap: docker\r\nFrom: \xff\xfe\n\xef\xbb\xbf"
    assert encode(decode(data)) == data


def test_write_atomic_only_when_changed(tmp_path: Path) -> None:
    f = tmp_path / "a.def"
    f.write_text("x\n")
    os.chmod(f, 0o640)
    before = f.stat().st_mtime_ns
    assert write_atomic(f, "x\n") is False
    assert f.stat().st_mtime_ns == before
    assert write_atomic(f, "y\r\n") is True
    assert f.read_bytes() == b"y\r\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.def"]  # no temporary file left


def test_interrupted_write_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "a.def"
    f.write_text("x\n")

    def boom(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(f, "y\n")
    assert f.read_text() == "x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.def"]


def test_read_only_directory_leaves_file_intact(tmp_path: Path) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    f = d / "a.def"
    f.write_text("x\n")
    os.chmod(d, 0o555)
    try:
        if os.geteuid() == 0:
            # root bypasses permissions; an impossible target directory stands in.
            with pytest.raises(SourceReadError):
                write_atomic(tmp_path / "missing-dir" / "a.def", "y\n")
        else:  # pragma: no cover
            with pytest.raises(SourceReadError):
                write_atomic(f, "y\n")
        assert f.read_text() == "x\n"
    finally:
        os.chmod(d, 0o755)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"a\x00b", "binary file"), (b"ok\n\xc3\x28", "not valid UTF-8 (byte 0xc3)")],
)
def test_read_source_refuses_bad_content(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "x.def"
    f.write_bytes(content)
    with pytest.raises(SourceReadError) as exc:
        read_source(f)
    assert message in str(exc.value)
    assert str(exc.value).startswith(f"{f}:")


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceReadError, match="no such file"):
        read_source(tmp_path / "nope.def")
    with pytest.raises(SourceReadError, match="is a directory"):
        read_source(tmp_path)
