"""Validating a network defined in a Jupyter notebook (``lab.ipynb:network``): its code cells
run in order in the sandbox's child, magics and shell escapes skipped with a note, every
error named by cell and line; and the example notebook, executed headless (nbclient).
Against torch alone: Keras adds nothing here but start-up time."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from benchmarks.harness.batch import expand, run_batch
from benchmarks.harness.notebook import Cell, python_source
from benchmarks.harness.validate import UserCodeRaised, run_validation
from reference_impls.validation.sandbox import Limits
from reference_impls.validation.verdict import UserCodeFailed, exit_code

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "validate_in_a_notebook.ipynb"

BOOK = ROOT / "examples" / "nnfs_book_style.py"


def classes(path: Path, *names: str) -> str:
    """The source of these top-level classes of ``path``, in the file's order."""
    source = path.read_text()
    tree = ast.parse(source)
    return "\n\n".join(
        ast.get_source_segment(source, node)
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name in names
    )


# The book-style example's layers and fused loss, with a plain SGD whose weights' line can
# carry a planted mistake ("{factor}").
LAYERS = f"""import numpy as np

{
    classes(
        BOOK,
        "Layer_Dense",
        "Activation_ReLU",
        "Activation_Softmax",
        "Loss_CategoricalCrossentropy",
        "Activation_Softmax_Loss_CategoricalCrossentropy",
    )
}


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def update_params(self, layer):
        layer.weights -= {{factor}}self.lr * layer.dweights
        layer.biases -= self.lr * layer.dbiases
"""
NETWORK = """def network():
    np.random.seed(0)
    return dict(
        layers=[Layer_Dense(2, 8), Activation_ReLU(), Layer_Dense(8, 3)],
        loss=Activation_Softmax_Loss_CategoricalCrossentropy(),
        optimizer=SGD(0.5),
    )
"""


def notebook(path: Path, *sources: str) -> Path:
    """A notebook of these code cells (a Markdown cell first: it is not counted)."""
    cells = [new_markdown_cell("# a lab"), *(new_code_cell(s) for s in sources)]
    nbformat.write(new_notebook(cells=cells), path)
    return path


def lab(path: Path, factor: str = "") -> Path:
    """The learner's notebook: magics, a shell escape, a cell magic of another language, a
    timed cell, a plot and ``display``, the network; ``factor`` plants a mistake."""
    return notebook(
        path,
        "%matplotlib inline\n!pip install nnfs\nimport matplotlib.pyplot as plt",
        LAYERS.replace("{factor}", factor),
        "%%bash\necho only in Jupyter",
        "%%time\nplt.plot([0, 1], [1, 0])\nplt.show()\ndisplay(plt.gcf())",
        NETWORK,
    )


def judge(target: Path | str, timeout: float = 60):
    return run_validation(f"{target}:network", "spiral", 3, ["torch"], limits=Limits(timeout=timeout))


def test_a_correct_network_in_a_notebook_passes_and_says_what_was_skipped(tmp_path):
    result = judge(lab(tmp_path / "lab.ipynb"))
    assert result.ok and exit_code(result) == 0, str(result)
    note = next(n for n in result.notes if n.startswith("skipped what only Jupyter runs"))
    for words in ("cell 1: %matplotlib inline", "cell 1: !pip install nnfs", "cell 3: the whole %%bash cell"):
        assert words in note, note
    assert "cell 4: %%time (its body ran once)" in note


def test_a_notebook_named_by_a_relative_path_from_another_folder(tmp_path, monkeypatch):
    """The cells run in the notebook's folder; the path the user typed is relative to theirs."""
    lab(tmp_path / "lab.ipynb")
    monkeypatch.chdir(tmp_path.parent)
    result = judge(f"{tmp_path.name}/lab.ipynb")
    assert result.ok and exit_code(result) == 0, str(result)


def test_a_mistake_in_a_notebook_fails_at_its_tensor(tmp_path):
    result = judge(lab(tmp_path / "lab.ipynb", factor="2 * "))
    assert exit_code(result) == 1, str(result)
    d = result.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "update", "layers[0].weights"), str(result)


def test_a_raising_cell_is_named_by_cell_and_line(tmp_path):
    path = notebook(
        tmp_path / "raises.ipynb",
        "import numpy as np",
        "def shapes():\n    a = np.ones((2, 3))\n    return a @ a\n",
        "x = 1\nshapes()",
    )
    with pytest.raises(UserCodeRaised) as caught:  # the user's code failed (exit 3), not bad input
        judge(path)
    text = str(caught.value)
    assert text.startswith(f"running {path} raised ValueError"), text
    assert text.endswith("(raises.ipynb cell 2, line 3, run from cell 3, line 2)"), text


def test_a_cell_that_is_not_python_is_named(tmp_path):
    path = notebook(tmp_path / "typo.ipynb", "import numpy as np", "def f(:\n    pass")
    with pytest.raises(
        UserCodeRaised, match=r"cell 2 of .*typo.ipynb is not valid Python: .*\(typo.ipynb cell 2, line 1\)"
    ):
        judge(path)


def test_an_exit_in_a_cell_is_the_users_code_failing(tmp_path):
    path = notebook(tmp_path / "exits.ipynb", "import sys", "x = 1\nsys.exit(1)")
    with pytest.raises(UserCodeFailed) as caught:
        judge(path)
    assert caught.value.failure.kind == "exited"
    assert "(sys.exit(1) in <module> (exits.ipynb cell 2, line 2))" in str(caught.value), str(caught.value)


def test_a_hanging_notebook_times_out_with_exit_3_naming_the_cell(tmp_path):
    path = notebook(tmp_path / "hangs.ipynb", "import time", "while True:\n    time.sleep(0.01)")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "validate", f"{path}:network", "--task", "spiral", "--timeout", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr[-3000:]
    assert "your code did not finish within 3 s (--timeout) while loading your network" in proc.stdout
    assert "(hangs.ipynb cell 2, line 2)" in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_batch_takes_notebooks_beside_python_files(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    lab(subs / "bob.ipynb", factor="2 * ")
    (subs / "cy.py").write_text(LAYERS.replace("{factor}", "") + NETWORK)
    (subs / "notes.txt").write_text("")
    targets = expand(str(subs))
    assert [Path(t.split(":")[0]).name for t in targets] == ["bob.ipynb", "cy.py"]
    assert expand(f"{subs}/*.ipynb:network") == [f"{subs}/bob.ipynb:network"]
    table = run_batch(
        targets,
        1,
        task="spiral",
        steps=3,
        against=["torch"],
        seed=0,
        spec_file=None,
        tolerance=None,
        limits=Limits(),
    )
    assert list(table.status) == ["fail", "pass"], table.to_string()


@pytest.mark.parametrize(
    "source,python,skipped",
    [
        ("x = 1\ny = x % 2", "x = 1\ny = x % 2", []),  # Python as it is: nothing touched
        ("%load_ext autoreload\nx = 1", "pass\nx = 1", ["cell 7: %load_ext autoreload"]),
        (
            "for i in range(2):\n    !echo $i\n    y = i",
            "for i in range(2):\n    pass\n    y = i",
            ["cell 7: !echo $i"],
        ),
        ("files = !ls\nx = 1", "pass\nx = 1", ["cell 7: files = !ls"]),
        ("%%writefile a.py\nx = 1", "", ["cell 7: the whole %%writefile cell"]),
        ("%%capture out\nx = 1", "\nx = 1", ["cell 7: %%capture (its body ran once)"]),
    ],
    ids=["python", "line-magic", "indented-shell", "shell-assign", "cell-magic", "python-cell-magic"],
)
def test_magics_become_pass_keeping_line_numbers(source, python, skipped):
    assert python_source(Cell(7, source)) == (python, skipped)


def test_the_example_notebook_runs_headless(monkeypatch):
    """examples/validate_in_a_notebook.ipynb, executed as a reader would: its first validate
    fails at the mistake it explains, the second passes; both show themselves as HTML."""
    from nbclient import NotebookClient

    nb = nbformat.read(EXAMPLE, as_version=4)
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))  # the kernel imports reference_impls from here
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    shown = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert len(shown) == 2, shown
    failed, passed = shown
    assert '<span class="sb-badge ">FAIL</span>' in failed and "divide the loss gradient by the batch size" in failed
    assert "First divergence</b>: step 1, gradient, <code>layers[0].dweights</code>" in failed
    assert '<span class="sb-badge sb-pass">PASS</span>' in passed and "First divergence" not in passed
