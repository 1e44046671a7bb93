"""``scratchbench validate lab.ipynb:NAME``: a notebook's code cells run in order, as
Restart & Run All would, into one module whose NAME is then taken as from a ``.py`` file.

Outside Jupyter, what only Jupyter can do is left out and said: IPython magics (``%...``,
``%%...``) and shell escapes (``!...``) are skipped, each line replaced by ``pass`` so the
cell's line numbers stay the notebook's; a cell magic whose body is Python (``%%time``...)
runs its body once. Plots are drawn headless (matplotlib's Agg backend, ``plt.show()``
silent) and ``display(...)`` does nothing. Each cell is compiled under the file name
``lab.ipynb cell N`` (``usercode.cell_filename``: code cells counted from 1), so whatever
goes wrong there (a raise, an exit, a hang) is reported at ``lab.ipynb cell N, line L``.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import re
import sys
import traceback
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reference_impls.validation.usercode import cell_filename, is_cell, place

# Cell magics whose body is Python: the body runs once, the magic is left out.
PYTHON_BODY = ("time", "timeit", "capture", "prun", "debug")
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.,\s\[\]]+=\s*[%!])")  # %magic, !shell, x = !shell, x = %magic


class NotebookError(ValueError):
    """The notebook cannot be read, or one of its cells raised; the message is one line."""


class CellFailed(NotebookError):
    """A cell is not valid Python, or it raised: the user's code failed to run."""


@dataclass(frozen=True)
class Cell:
    """One code cell: its number among the code cells (1-based) and its source."""

    number: int
    source: str


def code_cells(path: Path) -> list[Cell]:
    """The notebook's code cells, in order (nbformat reads every notebook format version)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: nbformat's own exceptions vary by version
        raise NotebookError(f"{path} is not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None
    cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    return [Cell(n, c.source) for n, c in enumerate(cells, 1)]


def python_source(cell: Cell) -> tuple[str, list[str]]:
    """The cell as plain Python (magics and shell escapes replaced by ``pass``, line numbers
    kept) and what was left out, e.g. ``cell 1: %matplotlib inline``."""
    lines = cell.source.splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in PYTHON_BODY:
            return "", [f"cell {cell.number}: the whole %%{magic} cell"]
        return "\n".join(["", *lines[1:]]), [f"cell {cell.number}: %%{magic} (its body ran once)"]
    if _compiles(cell.source):
        return cell.source, []
    skipped, out = [], []
    for line in lines:
        match = _MAGIC_LINE.match(line)
        if match and not _compiles(line.strip()):
            skipped.append(f"cell {cell.number}: {line.strip()}")
            line = match.group(1) + "pass"
        out.append(line)
    return "\n".join(out), skipped


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec")
        return True
    except (SyntaxError, ValueError):
        return False


def display(*objs: object, **kwargs: object) -> None:
    """Jupyter's ``display``, headless: nothing to show it on."""


@contextlib.contextmanager
def headless(folder: Path) -> Iterator[None]:
    """While the cells run: in the notebook's folder (as Jupyter runs it), matplotlib drawing
    off-screen, ``plt.show()`` quiet."""
    before, cwd = os.environ.get("MPLBACKEND"), os.getcwd()
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib" in sys.modules:  # imported before us: switch what is already loaded
        sys.modules["matplotlib"].use("Agg", force=True)
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
            yield
    finally:
        os.chdir(cwd)
        if before is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = before


def run_notebook(path: Path, module: types.ModuleType) -> list[str]:
    """Every code cell of ``path``, in order, in ``module``'s namespace; returns the notes
    on what was left out. A cell that raises ends it with a ``NotebookError`` naming the
    cell and line; ``SystemExit`` passes through (the sandbox reports it)."""
    namespace = module.__dict__
    namespace.setdefault("display", display)
    skipped: list[str] = []
    path = path.resolve()  # the cells run in the notebook's folder: a relative path would not reach it
    with headless(path.parent):
        for cell in code_cells(path):
            source, left_out = python_source(cell)
            skipped += left_out
            filename = cell_filename(path, cell.number)
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # source in tracebacks
            try:
                code = compile(source, filename, "exec")
            except SyntaxError as exc:
                raise CellFailed(
                    f"cell {cell.number} of {path} is not valid Python: {exc.msg} ({place(filename, exc.lineno)})"
                ) from None
            try:
                exec(code, namespace)
            except Exception as exc:  # the user's cell, anything: one line naming their cell and line
                raise CellFailed(f"running {path} raised {type(exc).__name__}: {exc} ({where(exc)})") from None
    return [_skipped_note(skipped)] if skipped else []


def where(exc: BaseException) -> str:
    """``lab.ipynb cell 2, line 5`` where it raised, ``, run from cell 4, line 12`` when that
    is a function defined in an earlier cell."""
    cells = [f for f in traceback.extract_tb(exc.__traceback__) if is_cell(f.filename)]
    frames = cells or traceback.extract_tb(exc.__traceback__)[-1:]
    if not frames:
        return "no line"
    inner, outer = frames[-1], frames[0]
    text = place(inner.filename, inner.lineno)
    if outer.filename != inner.filename:
        text += f", run from cell {outer.filename.rsplit(' cell ', 1)[1]}, line {outer.lineno}"
    return text


def _skipped_note(skipped: list[str]) -> str:
    shown = "; ".join(skipped[:4]) + (f"; and {len(skipped) - 4} more" if len(skipped) > 4 else "")
    return f"skipped what only Jupyter runs (IPython magics, shell commands): {shown}"
