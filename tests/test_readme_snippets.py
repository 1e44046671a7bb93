"""The code blocks of README.md and of the documentation site (docs/) stay true to the code:

- every ``python`` block runs as written, unless the line just before its fence is an HTML
  comment ``<!-- not run: REASON -->`` (a block that calls methods on the reader's own
  objects);
- every ``scratchbench`` command line of a ``bash`` block parses with the command's own
  argument parser, so a renamed flag or subcommand fails here;
- every ``toml`` block loads as a sweep configuration.

``text`` blocks (printed output) are not checked."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
NOT_RUN = re.compile(r"<!-- not run: \S.* -->\n\Z")
COMMAND = re.compile(r"^(?:\.venv/bin/)?scratchbench\s")


def blocks(language: str) -> list[tuple[str, str, bool]]:
    """(where, code, marked not run) of every ``language`` block of every page."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCE.finditer(text):
            if m.group(1) == language:
                before = text[: m.start()]
                where = f"{page.relative_to(ROOT)}:{before.count(chr(10)) + 1}"
                found.append((where, m.group(2), bool(NOT_RUN.search(before))))
    return found


def runnable() -> list[tuple[str, str]]:
    return [(where, code) for where, code, skipped in blocks("python") if not skipped]


def command_lines() -> list[tuple[str, list[str]]]:
    """(where, argv after ``scratchbench``) of every command line in a bash block, with
    continuation lines joined and comments dropped."""
    found = []
    for where, code, _ in blocks("bash"):
        for line in code.replace("\\\n", " ").splitlines():
            if COMMAND.match(line):
                found.append((where, shlex.split(line, comments=True)[1:]))
    return found


def test_the_pages_have_blocks_of_every_kind():
    assert len(runnable()) >= 4 and len(command_lines()) >= 30 and blocks("toml")


def test_a_block_not_run_says_why():
    for page in PAGES:
        for m in re.finditer(r"<!-- not run:(.*?)-->", page.read_text()):
            assert m.group(1).strip(), f"{page.name}: a 'not run' marker without a reason"


@pytest.mark.parametrize("code", [c for _, c in runnable()], ids=[w for w, _ in runnable()])
def test_python_block_runs(code, capsys):
    exec(compile(code, "snippet", "exec"), {"__name__": "snippet"})


@pytest.mark.parametrize("argv", [a for _, a in command_lines()], ids=[w for w, _ in command_lines()])
def test_command_line_parses(argv):
    from benchmarks.cli import build_parser

    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"scratchbench {shlex.join(argv)} does not parse (exit {exc.code})")


@pytest.mark.parametrize("code", [c for _, c, _ in blocks("toml")], ids=[w for w, _, _ in blocks("toml")])
def test_toml_block_is_a_valid_config(code, tmp_path):
    from benchmarks.harness import config

    path = tmp_path / "sweep.toml"
    path.write_text(code)
    config.load(str(path))
