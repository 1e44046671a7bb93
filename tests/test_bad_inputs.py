"""The catalogue of bad inputs (issue 13): CLI flags, config files, MNIST files, results
folders, benchmark JSON and the Python API. Each case must end in one line on stderr that
names the offending value and the fix, the documented exit code, no traceback, and every
file that existed before exactly as it was. The CLI cases call ``benchmarks.cli.main``
in-process (a subprocess each would cost seconds); tests/test_processes.py runs the
command as a user does for the signal, orphan and exit cases."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from benchmarks.cli import main
from reference_impls import IMPLEMENTATIONS, ModelSpec, SpecError, build

TINY = ["--tasks", "xor", "--impls", "scratch", "--seeds", "1", "--epochs", "20"]


def invoke(argv: list[str]) -> tuple[int, str, str]:
    """``scratchbench ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (the lock file aside: it is only a lock)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A finished one-run sweep (scratch alone: also the report's most natural first use)."""
    out = tmp_path_factory.mktemp("sweep") / "results"
    rc, _, err = invoke(["run", *TINY, "--out", str(out)])
    assert rc == 0, err
    return out


# ---- files the cases write --------------------------------------------------------------
def idx(array: np.ndarray, code: int = 0x08) -> bytes:
    return (
        bytes([0, 0, code, array.ndim])
        + b"".join(struct.pack(">I", n) for n in array.shape)
        + array.astype(np.uint8).tobytes()
    )


def mnist_arrays(n: int = 20, side: int = 28, labels_max: int = 9) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    images = lambda: rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)  # noqa: E731
    labels = lambda: rng.integers(0, labels_max + 1, size=n).astype(np.uint8)  # noqa: E731
    return {"x_train": images(), "y_train": labels(), "x_test": images(), "y_test": labels()}


def idx_folder(tmp: Path, **replace: bytes) -> Path:
    folder = tmp / "mnist"
    folder.mkdir()
    a = mnist_arrays()
    files = {
        "train-images-idx3-ubyte": idx(a["x_train"]),
        "train-labels-idx1-ubyte": idx(a["y_train"]),
        "t10k-images-idx3-ubyte": idx(a["x_test"]),
        "t10k-labels-idx1-ubyte": idx(a["y_test"]),
    }
    for name, data in {**files, **replace}.items():
        if data is not None:
            (folder / name).write_bytes(data)
    return folder


def config(tmp: Path, text: str) -> list[str]:
    path = tmp / "sweep.toml"
    path.write_text(text)
    return ["run", "--config", str(path), "--out", str(tmp / "out")]


def mnist_config(tmp: Path, path: Path, extra: str = "") -> list[str]:
    return config(
        tmp, f'tasks = ["mnist"]\nimpls = ["scratch"]\nseeds = 1\n[task.mnist]\npath = "{path}"\nepochs = 1\n{extra}'
    )


def npz(tmp: Path, **arrays: np.ndarray) -> Path:
    path = tmp / "mnist.npz"
    np.savez(path, **arrays)
    return path


def raw(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def with_sweep(change: Callable[[Path], None], *argv: str) -> Callable[[Path, Path], list[str]]:
    """A case on a copy of the finished sweep, changed by ``change``; ``{out}`` in
    ``argv`` is the copy's folder."""

    def setup(tmp: Path, sweep: Path) -> list[str]:
        out = tmp / "results"
        shutil.copytree(sweep, out)
        change(out)
        return [a.replace("{out}", str(out)).replace("{tmp}", str(tmp)) for a in argv]

    return setup


def bench_json(tmp: Path, data: object) -> list[str]:
    path = tmp / "bench.json"
    path.write_text(json.dumps(data))
    return ["--benchmark-json", str(path)]


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it (``setup(tmp, sweep)`` -> argv), the exit status, and
    what its one line must say (the offending value, the fix)."""

    setup: Callable[[Path, Path], list[str]]
    rc: int
    says: tuple[str, ...]
    marks: tuple = field(default=())


def argv(*args: str) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, sweep: [a.replace("{tmp}", str(tmp)) for a in args]


def toml(text: str) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, sweep: config(tmp, text)


def mnist_npz(**arrays) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, sweep: mnist_config(tmp, npz(tmp, **arrays))


def mnist_raw(name: str, data: bytes) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, sweep: mnist_config(tmp, raw(tmp, name, data))


def mnist_idx(**replace: bytes | None) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, sweep: mnist_config(tmp, idx_folder(tmp, **{k.replace("_", "-"): v for k, v in replace.items()}))


A = mnist_arrays()
GOOD_NPZ = dict(A)
OUT = ["--out", "{tmp}/out"]
SPIRAL = 'tasks = ["spiral"]\nimpls = ["scratch"]\nseeds = 1\n'
LABELS = idx(A["y_train"])

CASES: dict[str, Case] = {
    # ---- command-line flags --------------------------------------------------------------
    "run-seeds-huge": Case(argv("run", "--seeds", "1000000000000000", *OUT), 2, ("1000000000000000", "seeds = [0, 7]")),
    "run-seeds-zero": Case(argv("run", "--seeds", "0", *OUT), 2, ("seeds must be a positive integer, got 0",)),
    "run-seeds-negative": Case(argv("run", "--seeds", "-3", *OUT), 2, ("got -3",)),
    "run-seeds-not-a-number": Case(argv("run", "--seeds", "five", *OUT), 2, ("--seeds", "'five'", "--help")),
    "run-threads-huge": Case(argv("run", *TINY, "--threads", "100000", *OUT), 2, ("100000", "at most")),
    "run-threads-zero": Case(
        argv("run", *TINY, "--threads", "0", *OUT), 2, ("threads must be a positive integer, got 0",)
    ),
    "run-epochs-zero": Case(
        argv("run", "--tasks", "xor", "--epochs", "0", *OUT), 2, ("epochs must be a positive integer, got 0",)
    ),
    "run-eval-every-negative": Case(argv("run", "--eval-every", "-2", *OUT), 2, ("eval_every", "got -2")),
    "run-jobs-zero": Case(argv("run", *TINY, "--jobs", "0", *OUT), 2, ("--jobs must be at least 1, got 0",)),
    "run-jobs-negative": Case(argv("run", *TINY, "--jobs", "-4", *OUT), 2, ("--jobs must be at least 1, got -4",)),
    "run-tasks-empty": Case(argv("run", "--tasks", "", *OUT), 2, ("tasks is empty", "--tasks all")),
    "run-impls-empty": Case(argv("run", "--impls", "", *OUT), 2, ("impls is empty", "--impls all")),
    "run-tasks-only-commas": Case(argv("run", "--tasks", ",,", *OUT), 2, ("tasks is empty",)),
    "run-task-unknown": Case(argv("run", "--tasks", "xor,nope", *OUT), 2, ("'nope'", "choose from")),
    "run-impl-unknown": Case(argv("run", "--impls", "caffe", *OUT), 2, ("caffe", "choose from")),
    "run-task-twice": Case(argv("run", "--tasks", "xor,xor", *OUT), 2, ("'xor' twice", "name each once")),
    "run-gates-and-a-gate": Case(argv("run", "--tasks", "gates,xor", *OUT), 2, ("'xor' twice",)),
    "run-impl-twice": Case(argv("run", "--impls", "scratch,scratch", *OUT), 2, ("'scratch' twice",)),
    "run-resume-and-overwrite": Case(
        argv("run", "--resume", "--overwrite", *OUT), 2, ("--resume", "--overwrite", "choose one")
    ),
    "run-config-missing": Case(argv("run", "--config", "{tmp}/missing.toml", *OUT), 2, ("missing.toml", "not found")),
    "run-out-under-a-file": Case(
        lambda tmp, s: (
            tmp.joinpath("file").write_text("keep me\n"),
            ["run", *TINY, "--out", str(tmp / "file" / "sub")],
        )[1],
        2,
        ("cannot write to output folder", "file/sub", "choose another with --out"),
    ),
    "run-mnist-without-path": Case(
        argv("run", "--tasks", "mnist", "--impls", "scratch", *OUT), 2, ("[task.mnist] path", "--config")
    ),
    "unknown-command": Case(argv("frobnicate"), 2, ("'frobnicate'", "--help")),
    "no-command": Case(argv(), 2, ("required", "--help")),
    "demo-seed-negative": Case(argv("demo", "--seed", "-1"), 2, ("--seed", "-1", ">= 0")),
    "demo-seed-not-a-number": Case(argv("demo", "--seed", "x"), 2, ("--seed", "'x'")),
    "check-seed-negative": Case(argv("check", "--seed", "-5"), 2, ("--seed", "-5")),
    "check-steps-zero": Case(argv("check", "--steps", "0"), 2, ("--steps must be at least 1, got 0",)),
    "check-task-mnist": Case(
        argv("check", "--tasks", "mnist"), 2, ("mnist", "[task.mnist] path", "scratchbench run --config")
    ),
    "check-task-unknown": Case(argv("check", "--tasks", "nope"), 2, ("'nope'", "choose from")),
    "check-impl-unknown": Case(argv("check", "--impls", "mxnet"), 2, ("mxnet", "choose from")),
    "check-dtype-unknown": Case(argv("check", "--dtype", "float16"), 2, ("'float16'", "float64")),
    "validate-steps-zero": Case(argv("validate", "x.py:f", "--steps", "0"), 2, ("--steps must be at least 1, got 0",)),
    "validate-timeout-zero": Case(
        argv("validate", "x.py:f", "--timeout", "0"), 2, ("--timeout must be positive, got 0",)
    ),
    "validate-memory-negative": Case(
        argv("validate", "x.py:f", "--memory", "-5"), 2, ("--memory must be positive, got -5",)
    ),
    "validate-jobs-zero": Case(argv("validate", "x.py:f", "--jobs", "0"), 2, ("--jobs must be positive, got 0",)),
    "validate-glob-matches-nothing": Case(argv("validate", "{tmp}/*.py:network"), 2, ("no Python files match", "*.py")),
    "scale-threads-huge": Case(argv("scale", "--threads", "100000", "--out", "{tmp}/s"), 2, ("100000", "at most")),
    "scale-max-n-small": Case(
        argv("scale", "--max-n", "10", "--out", "{tmp}/s"), 2, ("--max-n must be at least 1000, got 10",)
    ),
    "scale-max-width-small": Case(
        argv("scale", "--max-width", "8", "--out", "{tmp}/s"), 2, ("--max-width must be at least 64, got 8",)
    ),
    "report-results-missing": Case(
        argv("report", "{tmp}/nothing", "--out", "{tmp}/r"), 2, ("nothing", "scratchbench run --out")
    ),
    # ---- config files --------------------------------------------------------------------
    "toml-invalid": Case(toml("tasks = [\n"), 2, ("is not valid TOML", "sweep.toml")),
    "toml-not-utf8": Case(
        lambda tmp, s: [
            "run",
            "--config",
            str(raw(tmp, "sweep.toml", b"\xff\xfe\x00garbage")),
            "--out",
            str(tmp / "out"),
        ],
        2,
        ("sweep.toml", "UTF-8"),
    ),
    "toml-is-a-folder": Case(
        lambda tmp, s: (tmp.joinpath("cfg").mkdir(), ["run", "--config", str(tmp / "cfg")])[1],
        2,
        ("cfg", "is a folder"),
    ),
    "key-unknown": Case(toml("epoch = 3\n"), 2, ("epoch", "valid keys")),
    "seeds-max-int": Case(toml("seeds = 9223372036854775807\n"), 2, ("9223372036854775807", "seeds = [0, 7]")),
    "seeds-repeated": Case(toml("seeds = [0, 0]\n"), 2, ("seeds lists 0 twice", "name each once")),
    "seeds-negative": Case(toml("seeds = [-1]\n"), 2, ("[-1]", "non-negative")),
    "seeds-too-big": Case(toml("seeds = [4294967296]\n"), 2, ("4294967296", "2**32")),
    "seeds-empty-list": Case(toml("seeds = []\n"), 2, ("got []",)),
    "seeds-a-word": Case(toml('seeds = "five"\n'), 2, ("'five'", "positive integer")),
    "seeds-fractional": Case(toml("seeds = [1.5]\n"), 2, ("[1.5]",)),
    "tasks-repeated": Case(toml('tasks = ["xor", "xor"]\n'), 2, ("'xor' twice",)),
    "tasks-empty-list": Case(toml("tasks = []\n"), 2, ("tasks is empty",)),
    "tasks-a-number": Case(toml("tasks = 5\n"), 2, ("tasks must be a list of names", "got 5")),
    "impls-repeated": Case(toml('impls = ["scratch", "scratch"]\n'), 2, ("'scratch' twice",)),
    "threads-huge": Case(toml("threads = 100000\n"), 2, ("100000", "at most")),
    "threads-boolean": Case(toml("threads = true\n"), 2, ("threads must be a positive integer, got True",)),
    "epochs-zero": Case(toml("epochs = 0\n"), 2, ("epochs must be a positive integer, got 0",)),
    "epochs-fractional": Case(toml("epochs = 1.5\n"), 2, ("got 1.5",)),
    "eval-every-negative": Case(toml("eval_every = -1\n"), 2, ("eval_every", "got -1")),
    "warmup-negative": Case(toml("warmup_steps = -1\n"), 2, ("warmup_steps must be a non-negative integer, got -1",)),
    "spec-field-unknown": Case(toml('[spec]\nactivation = "relu"\n'), 2, ("activation", "valid fields")),
    "spec-lr-negative": Case(toml("[spec]\nlr = -1.0\n"), 2, ("lr must be a positive number, got -1.0",)),
    "spec-seed-ignored": Case(toml("[spec]\nseed = 123\n"), 2, ("seed", "seeds = [123]")),
    "spec-dtype-unknown": Case(toml('[spec]\ndtype = "float16"\n'), 2, ("float16",)),
    "task-table-unused": Case(
        toml('tasks = ["xor"]\n[task.spiral]\nn_per_class = 40\n'),
        2,
        ("[task.spiral]", "not among the sweep's tasks", "add spiral"),
    ),
    "task-unknown": Case(toml("[task.nope]\nx = 1\n"), 2, ("'nope'", "choose from")),
    "task-key-unknown": Case(toml(SPIRAL + "[task.spiral]\narms = 4\n"), 2, ("arms", "valid: n_per_class")),
    "task-not-a-table": Case(toml("task = 5\n"), 2, ("[task.NAME] tables expected", "5")),
    "task-epochs-zero": Case(
        toml(SPIRAL + "[task.spiral]\nepochs = 0\n"), 2, ("[task.spiral] epochs must be a positive integer, got 0",)
    ),
    "spiral-n-per-class-fractional": Case(
        toml(SPIRAL + "[task.spiral]\nn_per_class = 10.7\n"), 2, ("n_per_class", "10.7", "n_per_class = 100")
    ),
    "spiral-n-per-class-zero": Case(toml(SPIRAL + "[task.spiral]\nn_per_class = 0\n"), 2, ("n_per_class", "got 0")),
    "spiral-noise-a-word": Case(
        toml(SPIRAL + '[task.spiral]\nnoise = "loud"\n'), 2, ("noise", "'loud'", "noise = 0.2")
    ),
    "spiral-noise-negative": Case(toml(SPIRAL + "[task.spiral]\nnoise = -0.5\n"), 2, ("noise", "-0.5")),
    "spiral-one-class": Case(toml(SPIRAL + "[task.spiral]\nn_classes = 1\n"), 2, ("n_classes", "got 1")),
    "spiral-classes-beyond-outputs": Case(
        toml(SPIRAL + "[task.spiral]\nn_classes = 5\n"), 2, ("task spiral", "[0, 2]", "[task.spiral.spec]")
    ),
    "spiral-sizes-wrong-input": Case(
        toml(SPIRAL + "[task.spiral.spec]\nsizes = [3, 64, 3]\n"), 2, ("2 input features", "sizes must start with 2")
    ),
    "moons-too-few-samples": Case(
        toml('tasks = ["moons"]\nimpls = ["scratch"]\n[task.moons]\nn_samples = 3\n'), 2, ("n_samples", "got 3")
    ),
    "circles-factor-above-one": Case(
        toml('tasks = ["circles"]\nimpls = ["scratch"]\n[task.circles]\nfactor = 2\n'), 2, ("factor", "got 2")
    ),
    "mnist-limit-negative": Case(
        lambda tmp, s: mnist_config(tmp, npz(tmp, **GOOD_NPZ), "limit = -50\n"), 2, ("limit", "-50", "limit = 10000")
    ),
    "mnist-limit-zero": Case(
        lambda tmp, s: mnist_config(tmp, npz(tmp, **GOOD_NPZ), "limit = 0\n"), 2, ("limit", "got 0")
    ),
    "mnist-path-a-number": Case(toml('tasks = ["mnist"]\n[task.mnist]\npath = 5\n'), 2, ("path", "got 5")),
    # ---- MNIST data files ----------------------------------------------------------------
    "mnist-path-missing": Case(
        lambda tmp, s: mnist_config(tmp, tmp / "nowhere.npz"), 2, ("nowhere.npz", "does not exist")
    ),
    "npz-empty-file": Case(mnist_raw("mnist.npz", b""), 2, ("mnist.npz", "empty", "x_train")),
    "npz-random-bytes": Case(
        mnist_raw("mnist.npz", bytes(range(256)) * 4), 2, ("mnist.npz", "not a .npz archive", "x_train")
    ),
    "npz-truncated-zip": Case(
        lambda tmp, s: mnist_config(tmp, raw(tmp, "mnist.npz", npz(tmp, **GOOD_NPZ).read_bytes()[:300])),
        2,
        ("mnist.npz",),
    ),
    "npz-one-array": Case(
        lambda tmp, s: (
            np.save(tmp / "one.npy", A["x_train"]),
            mnist_config(tmp, raw(tmp, "mnist.npz", (tmp / "one.npy").read_bytes())),
        )[1],
        2,
        ("holds one array", "np.savez"),
    ),
    "npz-missing-arrays": Case(
        mnist_npz(x_train=A["x_train"], y_train=A["y_train"]), 2, ("x_test, y_test", "expected x_train")
    ),
    "npz-flat-images": Case(
        mnist_npz(**{**A, "x_train": A["x_train"].reshape(20, -1)}), 2, ("(n, rows, cols)", "(20, 784)")
    ),
    "npz-labels-short": Case(mnist_npz(**{**A, "y_train": A["y_train"][:5]}), 2, ("(20, 28, 28) and (5,)",)),
    "npz-label-twelve": Case(mnist_npz(**{**A, "y_test": np.full(20, 12)}), 2, ("digits 0..9", "12..12")),
    "npz-labels-float": Case(mnist_npz(**{**A, "y_train": A["y_train"] + 0.5}), 2, ("integer labels", "float64")),
    "npz-no-images": Case(
        mnist_npz(**{**A, "x_train": A["x_train"][:0], "y_train": A["y_train"][:0]}), 2, ("0 images",)
    ),
    "npz-small-images": Case(
        mnist_npz(**mnist_arrays(side=10)), 2, ("does not fit its spec", "(n, 784)", "[task.mnist.spec]")
    ),
    "npz-object-array": Case(
        lambda tmp, s: mnist_config(tmp, npz(tmp, **{**A, "y_train": np.array([{"a": 1}] * 20, dtype=object)})),
        2,
        ("mnist.npz", "np.savez"),
    ),
    "idx-file-missing": Case(mnist_idx(t10k_labels_idx1_ubyte=None), 2, ("t10k-labels-idx1-ubyte", "four IDX files")),
    "idx-bad-magic": Case(
        mnist_idx(train_labels_idx1_ubyte=b"GIF89a" + bytes(20)),
        2,
        ("train-labels-idx1-ubyte", "bad magic number", "LeCun"),
    ),
    "idx-garbage-header": Case(
        mnist_idx(train_images_idx3_ubyte=bytes([0, 0, 8, 3]) + b"\xff" * 12 + bytes(100)),
        2,
        ("train-images-idx3-ubyte", "4294967295", "download it again"),
    ),
    "idx-truncated-data": Case(
        mnist_idx(train_labels_idx1_ubyte=LABELS[:-3]), 2, ("train-labels-idx1-ubyte", "download it again")
    ),
    "idx-header-cut": Case(mnist_idx(train_labels_idx1_ubyte=LABELS[:6]), 2, ("train-labels-idx1-ubyte", "truncated")),
    "idx-gzip-truncated": Case(
        mnist_idx(**{"train-labels-idx1-ubyte": None, "train-labels-idx1-ubyte.gz": gzip.compress(LABELS)[:-8]}),
        2,
        ("train-labels-idx1-ubyte.gz", "gzip", "again"),
    ),
    "idx-gzip-garbage": Case(
        mnist_idx(**{"train-labels-idx1-ubyte": None, "train-labels-idx1-ubyte.gz": b"not gzip at all"}),
        2,
        ("train-labels-idx1-ubyte.gz", "gzip"),
    ),
    "idx-labels-mismatch": Case(
        mnist_idx(train_labels_idx1_ubyte=idx(A["y_train"][:7])), 2, ("(20, 28, 28) and (7,)",)
    ),
    # ---- results folders -----------------------------------------------------------------
    "report-garbage-boundary": Case(
        with_sweep(
            lambda out: [p.write_bytes(b"garbage") for p in (out / "boundaries").glob("*.npz")],
            "report",
            "{out}",
            "--out",
            "{tmp}/rep",
        ),
        2,
        ("boundaries", ".npz", "not a readable decision-boundary grid", "delete it"),
    ),
    "report-manifest-corrupt": Case(
        with_sweep(
            lambda out: (out / "manifest.json").write_text("{not json"), "report", "{out}", "--out", "{tmp}/rep"
        ),
        2,
        ("manifest.json", "not readable JSON", "restore it"),
    ),
    "report-manifest-a-list": Case(
        with_sweep(lambda out: (out / "manifest.json").write_text("[1, 2]"), "report", "{out}", "--out", "{tmp}/rep"),
        2,
        ("manifest.json", "not a sweep manifest"),
    ),
    "resume-manifest-binary": Case(
        with_sweep(
            lambda out: (out / "manifest.json").write_bytes(b"\xff\xfe\x00"), "run", *TINY, "--resume", "--out", "{out}"
        ),
        2,
        ("manifest.json", "UnicodeDecodeError"),
    ),
    "report-runs-table-garbage": Case(
        with_sweep(
            lambda out: (out / "runs.parquet").write_bytes(b"PAR1garbage"), "report", "{out}", "--out", "{tmp}/rep"
        ),
        2,
        ("runs.parquet", "not a readable Parquet table"),
    ),
    "resume-other-threads": Case(
        with_sweep(lambda out: None, "run", *TINY, "--threads", "2", "--resume", "--out", "{out}"),
        2,
        ("differs in: threads", "--overwrite"),
    ),
    "resume-other-seeds": Case(
        with_sweep(lambda out: None, "run", *TINY[:-4], "--seeds", "2", "--epochs", "20", "--resume", "--out", "{out}"),
        2,
        ("differs in: seeds",),
    ),
    "run-into-a-finished-sweep": Case(
        with_sweep(lambda out: None, "run", *TINY, "--out", "{out}"), 2, ("already holds", "--resume", "--overwrite")
    ),
    "resume-records-deleted": Case(
        with_sweep(lambda out: shutil.rmtree(out / "records"), "run", *TINY, "--resume", "--out", "{out}"),
        2,
        ("no record", "restore the records"),
    ),
    "report-check-missing": Case(
        with_sweep(lambda out: None, "report", "{out}", "--check", "{tmp}/nocheck", "--out", "{tmp}/rep"),
        2,
        ("--check folder", "nocheck", "leave --check out"),
    ),
    "report-scale-missing": Case(
        with_sweep(lambda out: None, "report", "{out}", "--scale", "{tmp}/noscale", "--out", "{tmp}/rep"),
        2,
        ("--scale folder", "noscale"),
    ),
    "report-out-under-a-file": Case(
        with_sweep(lambda out: (out.parent / "f").write_text("x"), "report", "{out}", "--out", "{tmp}/f/rep"),
        2,
        ("cannot write to output folder", "f/rep"),
    ),
    "report-empty-folder": Case(
        lambda tmp, s: (tmp.joinpath("empty").mkdir(), ["report", str(tmp / "empty"), "--out", str(tmp / "rep")])[1],
        2,
        ("holds no runs", "scratchbench run --out"),
    ),
    # ---- benchmark JSON ------------------------------------------------------------------
    "bench-no-stats": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + bench_json(tmp, {"benchmarks": [{"name": "x"}]})
        ),
        2,
        ("bench.json", "'x' lacks stats median", "--benchmark-json"),
    ),
    "bench-empty-list": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + bench_json(tmp, {"benchmarks": []})
        ),
        2,
        ("bench.json", "lists no benchmarks", "--benchmark-json"),
    ),
    "bench-not-pytest-benchmark": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s) + bench_json(tmp, {"foo": 1})
        ),
        2,
        ("bench.json", "no 'benchmarks' list"),
    ),
    "bench-a-list": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s) + bench_json(tmp, [1, 2])
        ),
        2,
        ("bench.json", "no 'benchmarks' list"),
    ),
    "bench-entry-a-number": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + bench_json(tmp, {"benchmarks": [7]})
        ),
        2,
        ("bench.json", "'#0'"),
    ),
    "bench-median-a-word": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + bench_json(
                tmp,
                {
                    "benchmarks": [
                        {
                            "name": "b",
                            "stats": {
                                k: ("fast" if k == "median" else 1.0)
                                for k in ("median", "iqr", "q1", "q3", "mean", "min", "rounds")
                            },
                        }
                    ]
                },
            )
        ),
        2,
        ("'b' lacks stats median",),
    ),
    "bench-not-json": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + ["--benchmark-json", str(raw(tmp, "b.json", b"{oops"))]
        ),
        2,
        ("b.json", "not JSON"),
    ),
    "bench-binary": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + ["--benchmark-json", str(raw(tmp, "b.json", b"\xff\xfe\x00"))]
        ),
        2,
        ("b.json", "not JSON"),
    ),
    "bench-missing": Case(
        lambda tmp, s: (
            with_sweep(lambda o: None, "report", "{out}", "--out", "{tmp}/rep")(tmp, s)
            + ["--benchmark-json", str(tmp / "none.json")]
        ),
        2,
        ("none.json", "does not exist"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_cli_input(name, tmp_path, sweep):
    case = CASES[name]
    args = case.setup(tmp_path, sweep)
    before, sweep_before = snapshot(tmp_path), snapshot(sweep)
    rc, out, err = invoke(args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == case.rc, (name, rc, err[-2000:])
    assert "Traceback" not in err + out, err
    assert len(lines) == 1, f"{name}: expected one line, got {lines}"
    for text in case.says:
        assert text in lines[0], f"{name}: {text!r} not in {lines[0]!r}"
    assert snapshot(tmp_path) == before, f"{name}: files changed"
    assert snapshot(sweep) == sweep_before


# ---- the Python API ----------------------------------------------------------------------
SPEC = ModelSpec(
    sizes=(2, 8, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", optimizer="sgd", lr=0.1
)
BCE = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", optimizer="sgd", lr=0.1)
MSE = ModelSpec(sizes=(2, 4, 2), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1)
X = np.random.default_rng(0).normal(size=(12, 2))
Y = np.arange(12) % 3

API_CASES = {
    "string-labels": (SPEC, X, np.array(list("abcabcabcabc")), ("<U1", "np.unique")),
    "y-none": (SPEC, X, None, ("y = None",)),
    "x-none": (SPEC, None, Y, ("X = None",)),
    "zero-rows": (SPEC, X[:0], Y[:0], ("0 rows",)),
    "x-wrong-width": (SPEC, np.ones((12, 5)), Y, ("(n, 2)", "(12, 5)")),
    "x-one-dimensional": (SPEC, np.ones(12), Y, ("(n, 2)", "(12,)")),
    "x-nan": (SPEC, np.where(X > 1, np.nan, X), Y, ("NaN", "clean the data")),
    "x-strings": (SPEC, np.full((12, 2), "a"), Y, ("<U1",)),
    "y-too-short": (SPEC, X, Y[:5], ("12 samples", "y has 5")),
    "y-scalar": (SPEC, X, np.int64(1), ("scalar",)),
    "label-beyond-outputs": (SPEC, X, Y + 1, ("[0, 2]", "[1, 3]")),
    "label-negative": (SPEC, X, Y - 1, ("[0, 2]", "[-1, 1]")),
    "label-fractional": (SPEC, X, Y + 0.5, ("integers",)),
    "one-hot-two-ones": (SPEC, X, np.ones((12, 3)), ("not one-hot",)),
    "labels-two-columns": (SPEC, X, np.zeros((12, 2)), ("(12, 2)", "one-hot (n, 3)")),
    "bce-label-two": (BCE, X, np.full(12, 2), ("[0, 1]", "[2, 2]")),
    "mse-wrong-columns": (MSE, X, np.ones((12, 3)), ("2 column(s)", "(12, 3)")),
    "mse-targets-nan": (MSE, X, np.full((12, 2), np.nan), ("finite",)),
}


@pytest.mark.parametrize("impl", ["scratch", "torch"])
@pytest.mark.parametrize("name", list(API_CASES))
def test_bad_api_data(name, impl):
    spec, X_, y_, says = API_CASES[name]
    model = build(impl, spec)
    before = [None if a is None else np.array(a, copy=True) for a in (X_, y_)]
    weights = model.get_weights()
    with pytest.raises(SpecError) as info:
        model.train(X_, y_, 1)
    message = str(info.value)
    assert "\n" not in message and all(s in message for s in says), message
    for a, b in zip(before, (X_, y_)):
        assert (a is None and b is None) or np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    assert all(np.array_equal(w, v) for (w, _), (v, _) in zip(weights, model.get_weights()))  # nothing trained


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_one_hot_labels_train_exactly_like_integer_labels(impl):
    """One-hot y with categorical cross-entropy: converted once in check_data, so every
    framework behaves alike (they used to raise three different errors)."""
    a = build(impl, SPEC).train(X, Y, 3)
    b = build(impl, SPEC).train(X, np.eye(3)[Y], 3)
    np.testing.assert_array_equal(a, b)


# ---- what used to be accepted silently, or counted wrongly --------------------------------
def test_exploding_loss_is_diverged_with_its_steps():
    """lr = 1e12 used to finish ``ok`` with loss 2.4e61; now it is ``diverged``, and the
    row keeps the steps it took."""
    from benchmarks.harness.config import from_mapping
    from benchmarks.harness.sweep import run_sweep

    cfg = from_mapping(
        {
            "tasks": ["spiral"],
            "impls": ["scratch", "torch"],
            "seeds": 1,
            "epochs": 50,
            "spec": {"lr": 1e12},
            "task": {"spiral": {"n_per_class": 20}},
        }
    )
    runs = run_sweep(cfg).runs
    assert (runs["status"] == "diverged").all(), runs[["impl", "status", "message"]]
    assert (runs["steps"] >= 1).all() and runs["message"].str.contains("at step").all()


def test_a_failed_run_makes_the_sweep_exit_1(tmp_path, monkeypatch):
    from benchmarks.harness import sweep as sweep_module

    real = sweep_module.execute

    def failing(job):
        rec = real(job)
        rec["run"].update(status="failed", message="RuntimeError: boom")
        return rec

    monkeypatch.setattr(sweep_module, "execute", failing)
    rc, out, err = invoke(["run", *TINY, "--out", str(tmp_path / "o")])
    assert rc == 1 and "1 of 1 runs failed" in err and "--resume" in err and "Traceback" not in err


def test_jobs_are_capped_at_what_can_run(tmp_path):
    rc, _, err = invoke(["run", *TINY, "--jobs", "500", "--out", str(tmp_path / "o")])
    assert rc == 0 and "--jobs 500 capped at 1: 1 run(s) to do" in err
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["parallel_jobs"] == 1


def test_stray_record_is_moved_aside_on_resume(tmp_path, sweep):
    """A stray ``{}`` in records/ used to crash --resume (KeyError 'run'): it is kept,
    byte for byte, in records/corrupt/, said in one line, and the sweep completes."""
    out = tmp_path / "results"
    shutil.copytree(sweep, out)
    (out / "records" / "stray.json").write_text("{}")
    rc, _, err = invoke(["run", *TINY, "--resume", "--out", str(out)])
    assert rc == 0 and "Traceback" not in err
    assert "moved unreadable record" in err and (out / "records" / "corrupt" / "stray.json").read_text() == "{}"


def test_report_of_a_scratch_only_sweep(tmp_path, sweep):
    """The most natural first use (used to divide by zero drawing step-time ratios)."""
    rc, out, err = invoke(["report", str(sweep), "--out", str(tmp_path / "rep")])
    assert rc == 0, err
    assert (tmp_path / "rep" / "README.md").exists() and (tmp_path / "rep" / "index.html").exists()


def test_markdown_report_escapes_html(tmp_path, sweep):
    """User strings (here a run's message and the manifest's command) reach README.md as
    text: Markdown viewers render raw HTML."""
    import pandas as pd

    out = tmp_path / "results"
    shutil.copytree(sweep, out)
    record = next((out / "records").glob("*.json"))
    rec = json.loads(record.read_text())
    rec["run"].update(status="failed", message="<script>alert(1)</script> | <img src=x onerror=alert(2)>")
    record.write_text(json.dumps(rec))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["command"] = "scratchbench run `rm -rf`"  # a backtick would end the code span it is shown in
    manifest["software"]["cpu"] = "<b>cpu</b>"
    (out / "manifest.json").write_text(json.dumps(manifest))
    for t in ("runs", "curves", "summary"):
        (out / f"{t}.parquet").unlink()
    rc, _, err = invoke(["report", str(out), "--out", str(tmp_path / "rep")])
    assert rc == 0, err
    md = (tmp_path / "rep" / "README.md").read_text()
    assert "<script>" not in md and "<img" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| &lt;img src=x onerror=alert(2)&gt;" in md
    assert "`scratchbench run 'rm -rf'`" in md
    assert pd.read_parquet(out / "runs.parquet")["status"].tolist() == ["failed"]
