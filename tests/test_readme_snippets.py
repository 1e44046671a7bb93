"""The README's Python blocks outside "Validate your own network" (whose block shows calls
on your own objects) run as written, so they cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def blocks() -> list[tuple[str, str]]:
    out = []
    for m in re.finditer(r"```python\n(.*?)```", README, re.S):
        before = README[: m.start()]
        section = re.findall(r"^## (.+)$", before, re.M)[-1]
        if section != "Validate your own network":
            out.append((f"line {before.count(chr(10)) + 1} ({section})", m.group(1)))
    return out


def test_the_readme_has_runnable_blocks():
    assert len(blocks()) >= 2


@pytest.mark.parametrize("code", [c for _, c in blocks()], ids=[name for name, _ in blocks()])
def test_readme_block_runs(code, capsys):
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
