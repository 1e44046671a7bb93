"""Tasks: shapes, seeding, the definitions they claim, parameters, and the MNIST loader."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from benchmarks.tasks import DEFAULT_TASKS, GATES, TASKS, get_task, parity, parse_tasks
from benchmarks.tasks.mnist import load_mnist, read_idx
from reference_impls import SpecError

LOCAL_TASKS = [name for name, t in TASKS.items() if "external" not in t.tags]


@pytest.mark.parametrize("name", LOCAL_TASKS)
def test_task_data_fits_its_spec(name):
    task = TASKS[name]
    d = task.data(0)
    assert d.X_train.ndim == 2 and d.X_train.shape[1] == task.spec.sizes[0] == d.X_test.shape[1]
    assert d.X_train.dtype == np.float64 and np.all(np.isfinite(d.X_train))
    n_classes = max(task.spec.sizes[-1], 2)
    for y in (d.y_train, d.y_test):
        assert y.dtype == np.int64 and y.min() >= 0 and y.max() < n_classes
    assert set(np.unique(d.y_train)) == set(range(n_classes))  # every class present
    assert task.target_metric in ("train_accuracy", "test_accuracy") and 0 < task.target <= 1


@pytest.mark.parametrize("name", LOCAL_TASKS)
def test_seeding(name):
    a, b = TASKS[name].data(3), TASKS[name].data(3)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    if name in ("spiral", "moons", "circles", "digits"):
        assert not np.array_equal(a.X_train, TASKS[name].data(4).X_train)


def test_truth_tables():
    for gate, table in GATES.items():
        d = TASKS[gate].data(0)
        assert d.X_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and d.y_train.tolist() == list(table)
    assert TASKS["not"].data(0).y_train.tolist() == [1, 0]
    X, y = parity(3)
    assert len(X) == 8 and all(int(sum(row)) % 2 == label for row, label in zip(X, y))
    assert TASKS["parity3"].data(0).X_train.shape == (8, 3)


def test_task_parameters():
    d = get_task("spiral").with_params(n_per_class=50, n_classes=4).data(0)
    assert d.X_train.shape == (200, 2) and np.bincount(d.y_train).tolist() == [50] * 4
    with pytest.raises(
        SpecError, match="task spiral has no parameter\\(s\\) arms; valid: n_per_class, n_classes, noise"
    ):
        get_task("spiral").with_params(arms=4)
    moons = get_task("moons").data(1)
    assert moons.sizes == (400, 100, 2) and abs(np.mean(moons.y_test) - 0.5) < 0.05  # stratified
    digits = get_task("digits").data(0)
    assert digits.sizes == (1437, 360, 64) and digits.X_train.min() >= 0 and digits.X_train.max() <= 1


def test_parse_tasks():
    assert [t.name for t in parse_tasks("xor, spiral")] == ["xor", "spiral"]
    assert [t.name for t in parse_tasks("gates")] == list(GATES)
    assert "mnist" not in [t.name for t in parse_tasks("all")]
    assert DEFAULT_TASKS == [*GATES, "spiral"]
    with pytest.raises(SpecError, match="unknown task 'xr'; choose from: and, or"):
        parse_tasks("xr")


# ---- MNIST from files the tests write ----------------------------------------------------
def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist(rng):
    return {
        "train_images": rng.integers(0, 256, size=(6, 28, 28)),
        "train_labels": rng.integers(0, 10, size=6),
        "test_images": rng.integers(0, 256, size=(3, 28, 28)),
        "test_labels": rng.integers(0, 10, size=3),
    }


@pytest.mark.parametrize("compressed", [False, True])
def test_mnist_idx_folder(tmp_path, tiny_mnist, compressed):
    from benchmarks.tasks.mnist import IDX_FILES

    for key, stem in IDX_FILES.items():
        data = _idx(tiny_mnist[key])
        if compressed:
            (tmp_path / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (tmp_path / stem).write_bytes(data)
    X_train, y_train, X_test, y_test = load_mnist(str(tmp_path))
    assert X_train.shape == (6, 784) and X_test.shape == (3, 784) and X_train.dtype == np.float64
    np.testing.assert_array_equal(X_train, tiny_mnist["train_images"].reshape(6, -1) / 255.0)
    np.testing.assert_array_equal(y_test, tiny_mnist["test_labels"])
    task = get_task("mnist").with_params(path=str(tmp_path), limit=4)
    assert task.data(0).sizes == (4, 3, 784)


def test_mnist_npz(tmp_path, tiny_mnist):
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=tiny_mnist["train_images"].astype(np.uint8),
        y_train=tiny_mnist["train_labels"],
        x_test=tiny_mnist["test_images"].astype(np.uint8),
        y_test=tiny_mnist["test_labels"],
    )
    X_train, y_train, X_test, y_test = load_mnist(str(path))
    assert X_train.shape == (6, 784) and X_train.max() <= 1 and y_train.tolist() == tiny_mnist["train_labels"].tolist()


def test_mnist_errors(tmp_path, tiny_mnist):
    with pytest.raises(
        SpecError, match=r"task mnist reads local files and has no path: set one in a config file, \[task.mnist\] path"
    ):
        get_task("mnist").data(0)
    with pytest.raises(SpecError, match="does not exist"):
        load_mnist(str(tmp_path / "nope.npz"))
    with pytest.raises(SpecError, match="has no train-images-idx3-ubyte"):
        load_mnist(str(tmp_path))
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(SpecError, match="not an IDX file"):
        read_idx(str(bad))
    short = tmp_path / "short.idx"
    short.write_bytes(_idx(tiny_mnist["test_labels"])[:-1])
    with pytest.raises(SpecError, match="holds 2 data bytes; its header \\(3,\\) needs 3"):
        read_idx(str(short))
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.zeros((2, 28, 28)))
    with pytest.raises(SpecError, match="lacks array\\(s\\) y_train, x_test, y_test"):
        load_mnist(str(partial))
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip")
    with pytest.raises(SpecError, match="junk.npz is not a .npz archive"):
        load_mnist(str(junk))
