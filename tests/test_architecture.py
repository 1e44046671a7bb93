"""The one-way data flow of DESIGN.md, enforced on the sources: every import of every module
under ``benchmarks/`` is parsed with ``ast`` and checked against the stage it may use.

    tasks <- harness -> results <- report;   suite -> tasks, reference_impls;   cli -> any

and in ``scratch/`` and ``reference_impls/`` as in ``benchmarks/``: no import cycle (imports
inside functions count, those under ``if TYPE_CHECKING:`` do not run and do not), no adapter
importing another adapter's modules, no framework imported outside an adapter.

A framework added through the adapter contract is named nowhere else: no module outside
its adapter (``<name>_impl.py`` and its ``<name>_*.py`` helpers) and the registry imports
it or names it in code (comments aside).

A failure names the module, the line and the import that breaks the rule.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "benchmarks"
PACKAGES = ("scratch", "reference_impls", "benchmarks")
#: the top-level modules of the frameworks the adapters wrap (and of the backends Keras runs on)
FRAMEWORK_MODULES = {"torch", "tensorflow", "keras", "sklearn", "jax", "jaxlib", "flax", "optax"}
#: frameworks added through the declared contract alone: implementation -> the words naming it
CONTRACT_ONLY = {"jax": ("jax", "jaxlib", "optax")}
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


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (for annotations; never run)."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for child in node.body
        for inner in ast.walk(child)
    }


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path`` that can run, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    tree = ast.parse(path.read_text(), str(path))
    skip = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
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
    assert ("benchmarks.cli.run", "benchmarks.harness.sweep") in found
    assert ("benchmarks.harness.sweep", "benchmarks.results.store") in found
    assert any(m == "benchmarks.report" and t.startswith("benchmarks.results") for m, t in found)


def test_every_stage_exists_as_a_folder():
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").exists(), f"benchmarks/{stage}/ is missing"
    assert (PACKAGE / "cli" / "__init__.py").exists()
    flat = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert flat == ["__init__.py", "__main__.py"], f"modules outside the stage folders: {flat}"


# Modules still over the limit while their owners split them (issue 26); an entry must go
# as soon as its module is under the limit, so this list only shrinks.
STILL_LONG: set[str] = set()  # modules allowed over the limit while they are being split (none now)


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(ROOT))
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if len(p.read_text().splitlines()) > 500
    }
    assert not long - STILL_LONG, f"modules over 500 lines (split them by concept): {sorted(long - STILL_LONG)}"
    assert not STILL_LONG - long, f"now under 500 lines, drop from STILL_LONG: {sorted(STILL_LONG - long)}"


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


# ---- scratch/ and reference_impls/ (and benchmarks/): cycles, adapters, frameworks -------------
def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def project_edges() -> dict[str, set[str]]:
    """module -> the project modules it imports (``from pkg import name`` of a function: pkg)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _, target in imports(path):
            while target and target not in modules:  # a name imported from a module: the module
                target = target.rpartition(".")[0]
            if target and target != module:
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def adapter_of(module: str) -> str | None:
    """``reference_impls.keras_impl`` and its helpers ``reference_impls.keras_*`` -> ``keras``."""
    from reference_impls.registry import IMPLEMENTATIONS

    parts = module.split(".")
    if len(parts) != 2 or parts[0] != "reference_impls":
        return None
    return next((name for name in IMPLEMENTATIONS if parts[1].startswith(f"{name}_")), None)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    graph = project_edges()
    found = [c for c in cycles(graph) if any(m.split(".")[0] == package for m in c)]
    assert not found, "import cycles (each group imports itself round): " + "; ".join(" <-> ".join(c) for c in found)


def test_every_adapter_module_is_registered():
    from reference_impls.registry import ADAPTERS

    files = {p.stem for p in (ROOT / "reference_impls").glob("*_impl.py")}
    assert files == set(ADAPTERS), f"adapter modules {sorted(files)} but registry.ADAPTERS lists {ADAPTERS}"


def test_no_adapter_imports_another():
    wrong = []
    for module, targets in project_edges().items():
        mine = adapter_of(module)
        wrong += [f"{module} imports {t}" for t in targets if mine and adapter_of(t) not in (None, mine)]
    assert not wrong, "adapters importing each other (share a helper module instead):\n" + "\n".join(wrong)


@pytest.mark.parametrize("package", ["scratch", "reference_impls"])
def test_no_framework_outside_its_adapter(package):
    wrong = [
        f"{module_name(path)}:{line} imports {target}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if adapter_of(module_name(path)) is None
        for line, target in imports(path)
        if target.split(".")[0] in FRAMEWORK_MODULES
    ]
    assert not wrong, "frameworks imported outside the adapters:\n" + "\n".join(wrong)


def _naming_lines(path: Path, words: tuple[str, ...]) -> list[int]:
    """Lines of ``path`` whose code (names, strings, docstrings; not comments) says one of ``words``."""
    pattern = re.compile(rf"\b({'|'.join(words)})\b", re.IGNORECASE)
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return sorted(
        {t.start[0] for t in tokens if t.type in (tokenize.NAME, tokenize.STRING) and pattern.search(t.string)}
    )


@pytest.mark.parametrize("impl", list(CONTRACT_ONLY))
def test_a_contract_framework_is_named_only_by_its_adapter_and_the_registry(impl):
    """Adding it touched one adapter module (and helpers) and one registry entry; nothing in
    scratch/, reference_impls/ or benchmarks/ else imports or names it."""
    words = CONTRACT_ONLY[impl]
    allowed = {f"reference_impls.{impl}_impl", "reference_impls.registry"}
    wrong = []
    for module, path in project_modules().items():
        if module in allowed or adapter_of(module) == impl:
            continue
        wrong += [
            f"{module}:{line} imports {target}" for line, target in imports(path) if target.split(".")[0] in words
        ]
        wrong += [f"{module}:{line} names {impl}" for line in _naming_lines(path, words)]
    assert not wrong, f"{impl} named outside its adapter and the registry:\n" + "\n".join(wrong)


def test_the_naming_check_sees_code_and_not_comments(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('"""Runs on JAX."""\n# jax in a comment\nx = "optax"\nimport jaxlib\n')
    assert _naming_lines(source, CONTRACT_ONLY["jax"]) == [1, 3, 4]
