"""Incremental linting of big shell bodies (`defcheck.lint.incremental`, `shell.chunks`).

The claim is exact: linting chunk by chunk, with memoised results moved to where each
chunk now is, gives the same findings as linting the whole body at once. These tests
check it on every input the project has (examples, rule cases, rule documentation
examples, generated bodies with here-documents, functions, loops, CRLF, placeholders,
non-ASCII and syntax errors), with chunks as small as one statement, and along random
edit sequences; and that an edit re-analyses only the chunk it touched.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from defcheck.lint import LintConfig, incremental, lint_document
from defcheck.lint.model import Finding
from defcheck.lint.registry import all_rules
from defcheck.shell import chunks
from defcheck.syntax import parse
from helpers import EXAMPLES, REPO, shared_dir

ALL = LintConfig(select=("ALL",))


def _key(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.code, f.message, f.span, f.severity, f.fix, f.related, f.tags) for f in findings]


def _whole(text: str) -> list[tuple[object, ...]]:
    return _key(lint_document(parse(text), config=ALL, shellcheck=False))


def _chunked(text: str) -> list[tuple[object, ...]]:
    return _key(lint_document(parse(text), config=ALL, shellcheck=False, incremental=True))


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every shell body is 'big', and a chunk is about one statement."""
    monkeypatch.setattr(incremental, "BIG_BODY_LINES", 0)
    monkeypatch.setattr(incremental, "CHUNK_STATEMENTS", 1)
    incremental.clear_cache()
    yield
    incremental.clear_cache()


def _own_inputs() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.def"))]
    for path in sorted((REPO / "tests").rglob("*.def")):
        out.append(
            (str(path.relative_to(REPO)), path.read_text(encoding="utf-8", errors="replace"))
        )
    for path in sorted((REPO / "tests" / "lint" / "cases").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, case in data.get("cases", {}).items():
            for kind in ("fail", "pass"):
                if isinstance(case.get(kind), str):
                    out.append((f"{path.stem}:{name}:{kind}", case[kind]))
    for rule in all_rules():
        for i, m in enumerate(
            re.finditer(r"```singularity\n(.*?)```", rule.meta.explanation, re.S)
        ):
            out.append((f"{rule.meta.code}:doc{i}", m.group(1)))
    return out


_SNIPPETS = [
    "apt-get update\n",
    "apt-get install curl\n",
    "apt-get install -y --no-install-recommends \\\n    git ca-certificates\n",
    "rm -rf /var/lib/apt/lists/*\n",
    "pip install numpy\n",
    "pip install --no-cache-dir 'scipy==1.14.0'\n",
    "curl -fsSLo /tmp/t.tgz https://example.org/t.tgz\n",
    "tar -xzf /tmp/t.tgz -C /opt\n",
    "curl -fsSL https://example.org/i.sh | sh\n",
    "wget https://example.org/pkg.deb\n",
    "dpkg -i pkg.deb\n",
    "echo 'sha256  /tmp/x' | sha256sum -c -\n",
    "sudo apt-get install -y vim\n",
    "chown -R 1000:1000 /opt/app\n",
    "setcap cap_net_raw+ep /usr/bin/ping\n",
    "echo 1 > /proc/sys/net/ipv4/ip_forward\n",
    "systemctl start nginx\n",
    "modprobe fuse\n",
    "export SINGULARITY_ROOTFS=/x\n",
    "cat <<EOF > /etc/motd\nsudo in a heredoc\napt-get install inside\nEOF\n",
    "cat <<-'END'\n\tcurl x | sh\n\tEND\n",
    "if [ -d /opt ]; then\n    apt-get install htop\nfi\n",
    'for p in a b; do\n    pip install "$p"\ndone\n',
    "setup() {\n    yum install -y gcc\n}\n",
    'case "$X" in\n  a) dnf install -y make ;;\n  *) apk add bash ;;\nesac\n',
    "# a comment with apt-get install\n",
    "echo {{ VERSION }} && pip install tool=={{ VERSION }}\n",
    "echo 'héllo wörld' ☃\n",
    "\n",
    "yum clean all\n",
    "apk add --no-cache curl\n",
    "echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes\n",
]


def _generated(rng: random.Random, statements: int, *, crlf: bool = False) -> str:
    body = "".join(
        "    " + rng.choice(_SNIPPETS).replace("\n", "\n    ").rstrip(" ")
        for _ in range(statements)
    )
    text = "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n" + body
    text += '\n%runscript\n    exec python "$@"\n'
    return text.replace("\n", "\r\n") if crlf else text


def test_chunked_equals_whole_on_every_own_input(tiny_chunks: None) -> None:
    inputs = _own_inputs()
    assert len(inputs) > 200
    for name, text in inputs:
        assert _chunked(text) == _whole(text), name
        assert _chunked(text) == _whole(text), f"{name} (memoised)"


@pytest.mark.parametrize("seed", range(6))
def test_chunked_equals_whole_on_generated_bodies(tiny_chunks: None, seed: int) -> None:
    rng = random.Random(seed)
    text = _generated(rng, 60, crlf=seed % 3 == 2)
    assert _chunked(text) == _whole(text)


_EDITS = [
    "x",
    "\n",
    "apt-get install curl\n",
    '"',
    "if true; then\n",
    "fi\n",
    "'",
    "\\\n",
    "cat <<EOF\n",
    "EOF\n",
    "done\n",
    "|",
    "&& sudo setcap x y\n",
    "# c\n",
    "é",
]


@pytest.mark.parametrize("seed", range(4))
def test_edit_sequences_stay_exact(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Random edits (insertions and deletions, some that break the shell syntax and
    later repair it) on a body big enough to be chunked: after each edit, the memoised
    chunked result equals a fresh whole-body lint."""
    monkeypatch.setattr(incremental, "BIG_BODY_LINES", 20)
    monkeypatch.setattr(incremental, "CHUNK_STATEMENTS", 2)
    incremental.clear_cache()
    rng = random.Random(100 + seed)
    text = _generated(rng, 80)
    body_start = text.index("%post\n") + len("%post\n")
    for _ in range(25):
        body_end = text.index("\n%runscript")
        at = rng.randrange(body_start, body_end)
        if rng.random() < 0.3:
            text = text[:at] + text[at + rng.randrange(1, 12) :]
            if "\n%runscript" not in text:
                break
        else:
            text = text[:at] + rng.choice(_EDITS) + text[at:]
        assert _chunked(text) == _whole(text)


def test_an_edit_reanalyses_only_the_chunk_it_touches(monkeypatch: pytest.MonkeyPatch) -> None:
    incremental.clear_cache()
    lines = [f"    pip install --no-cache-dir 'pkg{i}==1.{i}'\n" for i in range(2000)]
    head = "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n"
    text = head + "".join(lines)
    assert _chunked(text) == _whole(text)

    computed: list[str] = []
    real = incremental._run_on_chunk

    def counting(*args: object) -> list[Finding]:
        computed.append(args[2].text)  # type: ignore[attr-defined]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental, "_run_on_chunk", counting)
    lines[1000] = "    pip install 'pkg1000==2.0'\n"  # now a DEF704 finding
    text = head + "".join("    # moved down\n" * 3) + "".join(lines)
    found = _chunked(text)
    assert found == _whole(text)
    assert [f[0] for f in found].count("DEF704") == 1
    assert len(computed) <= 3, "only the chunks with changed text are analysed again"
    assert any("pkg1000==2.0" in chunk for chunk in computed)


def test_chunks_cover_the_body_and_are_complete() -> None:
    rng = random.Random(7)
    chunks.clear_cache()
    text = _generated(rng, 120)
    body = text[text.index("%post\n") + 6 : text.index("\n%runscript") + 1]
    for _ in range(30):
        parts = chunks.split(body, target=3)
        assert parts[0][0] == 0 and parts[-1][1] == len(body)
        assert all(a < b for a, b in parts)
        assert all(b == c for (_, b), (c, _) in itertools.pairwise(parts))
        for a, b in parts[:-1]:
            piece = body[a:b]
            assert chunks._complete(piece, *chunks._parse(piece)), piece
        at = rng.randrange(len(body))
        body = body[:at] + rng.choice(["echo x\n", "x", "\n", "fi\n", "if a; then\n"]) + body[at:]


def test_chunked_equals_whole_on_the_corpus(tiny_chunks: None) -> None:
    """Conformance data: the 331 real definition files."""
    corpus = shared_dir() / "corpus" / "real"
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    assert len(files) > 300
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        assert _chunked(text) == _whole(text), path.name


def test_big_files_in_the_cli_are_linted_whole(tmp_path: Path) -> None:
    """`lint_document` without `incremental` never chunks (one run has nothing to reuse)."""
    incremental.clear_cache()
    text = _generated(random.Random(3), 400)
    lint_document(parse(text), config=ALL, shellcheck=False)
    assert not incremental._memo
