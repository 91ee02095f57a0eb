"""Commands, words, pipelines and spans from the tree-sitter-bash parse."""

from __future__ import annotations

import time

from defcheck.shell.tree import parse_shell, strip_wrappers


def test_commands_words_and_absolute_spans() -> None:
    prefix = "Bootstrap: docker\nFrom: debian\n%post\n"
    body = "    DEBIAN_FRONTEND=noninteractive apt-get install -y \"curl\" 'git' x=1.2 >/dev/null\n"
    text = prefix + body
    shell = parse_shell(body, base=len(prefix))
    (cmd,) = shell.commands
    assert cmd.name is not None and cmd.name.text == "apt-get"
    assert [w.text for w in cmd.arguments] == ["install", "-y", '"curl"', "'git'", "x=1.2"]
    assert [w.value for w in cmd.arguments] == ["install", "-y", "curl", "git", "x=1.2"]
    assert [a.text for a in cmd.assignments] == ["DEBIAN_FRONTEND=noninteractive"]
    for word in (*cmd.argv, *cmd.assignments):
        assert word.span.slice(text) == word.text
    assert cmd.span.slice(text).startswith("DEBIAN_FRONTEND")
    assert cmd.line == 0


def test_nested_commands_are_found_in_order() -> None:
    body = (
        "if [ -f /x ]; then\n"
        '  for p in a b; do pip install --no-cache-dir "$p"; done\n'
        "fi\n"
        "f() { echo $(uname -m); }\n"
        "(cd /tmp && make)\n"
    )
    shell = parse_shell(body)
    names = [c.name.value for c in shell.commands if c.name]
    # `[ ... ]` and `[[ ... ]]` are test expressions in tree-sitter-bash, not commands
    assert names == ["pip", "echo", "uname", "cd", "make"]
    pip = shell.commands[0]
    assert pip.line == 1
    assert [w.value for w in pip.arguments] == ["install", "--no-cache-dir", None]


def test_dynamic_words_have_no_value() -> None:
    body = 'apt-get install "pkg=$V" ${X} $(cat f) "a"b\'c\' pkg={{ VERSION }}\n'
    (cmd, _cat) = parse_shell(body).commands
    assert [w.value for w in cmd.arguments] == ["install", None, None, None, "abc", None]


def test_pipelines() -> None:
    body = (
        "curl -fsSL https://get.example/install.sh | sudo bash -s -- --yes\n"
        "wget -qO- https://x | tee f | sh\n"
        "cat <<EOF | sh\necho hi\nEOF\n"
        "curl x | (cd /tmp && sh)\n"
    )
    shell = parse_shell(body)
    heads = [
        [s.name.value if s is not None and s.name else None for s in p.stages]
        for p in shell.pipelines
    ]
    assert heads == [["curl", "sudo"], ["wget", "tee", "sh"], ["cat", "sh"], ["curl", None]]
    first = shell.pipelines[0]
    assert first.span.slice(body) == body.split("\n")[0]
    second_stage = first.stages[1]
    assert second_stage is not None
    assert [w.value for w in second_stage.effective_argv()] == ["bash", "-s", "--", "--yes"]
    heredoc_pipe = shell.pipelines[2]
    assert heredoc_pipe.span.slice(body).startswith("cat <<EOF")
    assert heredoc_pipe.line == 2


def test_three_stage_pipeline_before_heredoc_is_split() -> None:
    # tree-sitter-bash merges `c` with the next line's `cat`; we split it again
    body = "a | b | c\ncat <<EOF > f\nx\nEOF\necho done\n"
    shell = parse_shell(body)
    assert [[w.text for w in c.argv] for c in shell.commands] == [
        ["a"],
        ["b"],
        ["c"],
        ["cat"],
        ["echo", "done"],
    ]
    (pipe,) = shell.pipelines
    assert [s.name.text for s in pipe.stages if s and s.name] == ["a", "b", "c"]
    assert pipe.span.slice(body) == "a | b | c"
    assert shell.commands[3].line == 1


def test_strip_wrappers() -> None:
    cases = {
        "sudo -u root -E apt-get update": ["apt-get", "update"],
        "env -i PATH=/bin A=1 pip install x": ["pip", "install", "x"],
        "exec python3 app.py": ["python3", "app.py"],
        "nice -n 5 nohup make": ["make"],
        "/usr/bin/sudo make": ["make"],
        "command -v git": ["command", "-v", "git"],
        "time sh -c true": ["sh", "-c", "true"],
        "echo sudo": ["echo", "sudo"],
    }
    for source, expected in cases.items():
        (cmd,) = parse_shell(source).commands
        assert [w.value for w in strip_wrappers(cmd.argv)] == expected, source


def test_commands_inside_quoted_heredoc_are_not_commands() -> None:
    body = "cat > /x.sh <<'EOF'\napt-get install foo\nEOF\ncat <<EOF\n$(uname -r)\nEOF\n"
    shell = parse_shell(body)
    names = [c.name.value for c in shell.commands if c.name]
    # the quoted heredoc is data; the unquoted one really runs `uname`
    assert names == ["cat", "cat", "uname"]


def test_crlf_and_tabs_keep_exact_spans() -> None:
    prefix = "%post\r\n"
    body = '\tapt-get update \\\r\n\t\t&& echo "ok"\r\n\tcurl x | sh\r\n'
    text = prefix + body
    shell = parse_shell(body, base=len(prefix))
    assert [c.name.text for c in shell.commands if c.name] == ["apt-get", "echo", "curl", "sh"]
    for cmd in shell.commands:
        for word in cmd.argv:
            assert word.span.slice(text) == word.text
    assert shell.continuations[0].backslash.slice(text) == "\\"
    assert shell.continuations[0].line == 1


def test_unicode_before_words() -> None:
    body = "echo 'ünïcødé 😀' && apt-get install -y curl # ✓\n"
    shell = parse_shell(body, base=3)
    text = "xyz" + body
    apt = shell.commands[1]
    assert [w.span.slice(text) for w in apt.argv] == ["apt-get", "install", "-y", "curl"]


def test_errors_are_reported_with_lines() -> None:
    shell = parse_shell("echo ok\nif then\n")
    assert shell.has_errors
    assert shell.errors[0].first_line >= 0
    assert not parse_shell("echo ok\n").has_errors


def test_results_are_cached_and_immutable() -> None:
    body = "echo a\n"
    assert parse_shell(body) is parse_shell(body)
    assert parse_shell(body, base=1) is not parse_shell(body)


def test_five_thousand_line_body_parses_quickly() -> None:
    block = (
        "apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        '    git "pkg-$V"\n'
        "cat > /etc/x.conf <<-EOF\n"
        "\tkey = value\n"
        "\tEOF\n"
        'if [ -n "$X" ]; then echo "$(date)" | tee -a /log; fi\n'
        "echo 'multi\n"
        "line'\n"
        'for i in 1 2 3; do pip install --no-cache-dir "p$i"; done\n'
        "curl -fsSL https://x | sh\n"
    )
    body = block * 500
    assert body.count("\n") == 5000
    start = time.perf_counter()
    shell = parse_shell(body, base=123, placeholders=False)
    elapsed = time.perf_counter() - start
    assert not shell.has_errors
    assert len(shell.heredocs) == 500
    assert len(shell.pipelines) == 1000
    assert len(shell.protected_lines) == 500 * 3
    assert elapsed < 5.0, f"5,000-line body took {elapsed:.2f} s"
