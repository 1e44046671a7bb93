"""The one-way data flow of DESIGN.md, enforced on the sources: every import of every module
under ``benchmarks/`` is parsed with ``ast`` and checked against the stage it may use.

    tasks <- harness -> results <- report;   suite -> tasks, reference_impls;   cli -> any

A failure names the module, the line and the import that points against the flow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "benchmarks"
STAGES = ("tasks", "harness", "results", "suite", "report")

# What each stage may import, besides itself, the standard library and third-party libraries.
ALLOWED: dict[str, set[str]] = {
    "tasks": {"reference_impls", "scratch"},
    "harness": {"tasks", "results", "reference_impls", "scratch"},
    "results": set(),
    "report": {"results"},
    "suite": {"tasks", "reference_impls", "scratch"},
    "cli": {*STAGES, "cli", "reference_impls", "scratch"},
}
PROJECT = {"benchmarks", "reference_impls", "scratch"}


def stage_of(module: str) -> str:
    """``benchmarks.harness.sweep`` -> ``harness``; the package's own top level is ``cli``."""
    parts = module.split(".")
    if parts[0] != "benchmarks":
        return parts[0]
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else "cli"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    found.append((node.lineno, target))
                else:  # "from . import data" imports the submodule benchmarks.report.data
                    found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def edges() -> list[tuple[str, int, str]]:
    return [(module_name(p), line, target) for p in sorted(PACKAGE.rglob("*.py")) for line, target in imports(p)]


def test_the_parser_sees_relative_and_absolute_imports():
    found = {(m, t) for m, _, t in edges()}
    assert ("benchmarks.cli", "benchmarks.harness.sweep") in found
    assert ("benchmarks.harness.sweep", "benchmarks.results.store") in found
    assert any(m == "benchmarks.report" and t.startswith("benchmarks.results") for m, t in found)


def test_every_stage_exists_as_a_folder():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").exists(), f"benchmarks/{stage}/ is missing"
    assert (PACKAGE / "cli.py").exists()
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "cli.py"], f"modules outside the stage folders: {flat}"


@pytest.mark.parametrize("stage", [*STAGES, "cli"])
def test_imports_follow_the_flow(stage):
    wrong = []
    for module, line, target in edges():
        here, there = stage_of(module), stage_of(target)
        if here != stage or target.split(".")[0] not in PROJECT or there == here:
            continue
        if there not in ALLOWED[here]:
            wrong.append(f"{module}:{line} imports {target} ({here} may use {sorted(ALLOWED[here]) or 'nothing else'})")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)
