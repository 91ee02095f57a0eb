"""Property: random valid definition files keep their Apptainer view through `fmt`."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from defcheck.format import FormatOptions, format_text
from defcheck.format.safety import check_equivalent
from defcheck.syntax import parse

INDENTS = st.sampled_from(["", " ", "  ", "    ", "\t", "      ", "\t  ", "        "])
TRAILING = st.sampled_from(["", "", " ", "  \t"])

SHELL_BLOCKS = [
    ["apt-get update"],
    ["echo hello # comment"],
    ["if true; then", "  echo yes", "fi"],
    ["for x in a b; do", "    echo $x", "done"],
    ["cat > /etc/x.conf <<EOF", "  key = value", "    nested", "EOF"],
    ["cat <<'Q' | tee /y", "  $LITERAL  ", "Q"],
    ["\tcat <<-EOF", "\t\ttabbed", "\tEOF"],
    ['echo "multi', "   line  ", '  string"'],
    ["python3 -c '", "if 1:", "    print(1)", "'"],
    ["apt-get install -y \\", "    curl \\", "    git"],
    ["echo joined\\", "word"],
    ["export A=1", 'export B="two words"'],
    ["# just a comment"],
    [""],
    ["echo a \\", "", "echo b"],
    ["echo escaped\\ "],
    ["x=$(", "  echo sub", ")"],
    ["echo {{ NAME }}"],
]
LABEL_LINES = [
    "Author me",
    "Version  1.0",
    "org.label.long.key.name value here",
    "KEY",
    "# c",
    "A=b",
]
FILES_LINES = ["a b", "a   b", '"c d"   /opt/cd', "src # note", "# comment", '"q"  "/r"', "x"]
HELP_LINES = ["Usage: run me", "   indented help  ", "", "--flag   text"]
ARG_LINES = ["NAME=value", "  OTHER = x", "# c"]
HEADER_FIELDS = [
    ("From", "alpine:3.20"),
    ("stage", "build"),
    ("OSVERSION", "7"),
    ("MirrorURL", "http://example.org/%{OSVERSION}/"),
    ("include", "yum tar"),
    ("Registry", "docker.io"),
    ("otherurl1", "http://x"),
    ("from", "{{ BASE }}:{{ TAG }}"),
]


@st.composite
def body(draw: st.DrawFn, pool: list[list[str]] | list[str]) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        block = draw(st.sampled_from(pool))
        block_lines = block if isinstance(block, list) else [block]
        indent = draw(INDENTS)
        for line in block_lines:
            lines.append((indent + line if line else line) + draw(TRAILING))
        if draw(st.booleans()):
            lines.extend([""] * draw(st.integers(1, 3)))
    return lines


@st.composite
def header(draw: st.DrawFn) -> list[str]:
    boot = draw(st.sampled_from(["Bootstrap:", "bootstrap:", "BootStrap:", "BOOTSTRAP:"]))
    lines = [boot + draw(st.sampled_from([" ", "", "   "])) + "docker" + draw(TRAILING)]
    for key, value in draw(st.lists(st.sampled_from(HEADER_FIELDS), max_size=4)):
        sep = draw(st.sampled_from([": ", ":", " : ", ":   "]))
        comment = draw(st.sampled_from(["", "  # note", "# x"]))
        lines.append(draw(st.sampled_from(["", "  "])) + key + sep + value + comment)
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "# comment", "  # indented comment"])))
    return lines


SECTIONS = st.sampled_from(
    [
        "post",
        "POST",
        "environment",
        "runscript",
        "test",
        "labels",
        "files",
        "help",
        "arguments",
        "setup",
        "appinstall app1",
        "apprun app2",
        "applabels app1",
        "appfiles app1",
        "apphelp app2",
        "post -c /bin/bash",
        "files from build",
    ]
)


@st.composite
def definition(draw: st.DrawFn) -> str:
    out: list[str] = []
    if draw(st.booleans()):
        out += ["# leading comment", *([""] if draw(st.booleans()) else [])]
    for _ in range(draw(st.integers(1, 2))):
        out += draw(header())
        for _ in range(draw(st.integers(1, 4))):
            name = draw(SECTIONS)
            kind = name.split()[0].lower()
            out.append("%" + name + draw(TRAILING))
            if kind in ("labels", "applabels"):
                out += draw(body(LABEL_LINES))
            elif kind in ("files", "appfiles"):
                out += draw(body(FILES_LINES))
            elif kind in ("help", "apphelp"):
                out += draw(body(HELP_LINES))
            elif kind == "arguments":
                out += draw(body(ARG_LINES))
            else:
                out += draw(body(SHELL_BLOCKS))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(out) + draw(st.sampled_from(["", newline, newline * 3]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definition(), st.sampled_from(["    ", "  ", "\t"]))
def test_random_files_keep_their_apptainer_view(text: str, indent: str) -> None:
    assume(not parse(text).errors)
    options = FormatOptions(indent=indent)
    out = format_text(text, options=options)  # runs the safety checks itself
    check_equivalent(text, out)
    assert format_text(out, options=options) == out
