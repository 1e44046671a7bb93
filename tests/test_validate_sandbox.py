"""validate as a judge: the user's code runs in its own process, bounded, and cannot fake a
pass. A catalogue of misbehaving user code (``misbehaving_nets``: each an otherwise correct
2-16-3 network), each with the exit status and the line it must get; a few as a user runs
the command, the rest through the Python API. Every wait is bounded; no assertion on time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import misbehaving_nets as nets
import numpy as np
import pytest

from reference_impls import assert_validates, validate
from reference_impls.validation.verdict import UserCodeFailed, exit_code

ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/misbehaving_nets.py"


def _children() -> set[int]:
    """This process's child processes (zombies included: they were not reaped)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found |= {int(p) for p in (task / "children").read_text().split()}
    return found


def judge(how: str | None, **kwargs):
    X, y = nets.data()
    before = _children()
    result = validate(**nets.network(how), X=X, y=y, steps=5, against="torch", **kwargs)
    assert _children() <= before, "a process of the user's code is left"
    return result


CATALOGUE = [
    # how, extra arguments, exit status, words in the verdict
    (
        "sys_exit",
        {},
        3,
        f"exited the process at step {nets.STEP} (sys.exit(0) in SGD.update_params (misbehaving_nets.py:",
    ),
    (
        "os_exit",
        {},
        3,
        f"exited the process at step {nets.STEP} (os._exit(0) in SGD.update_params (misbehaving_nets.py:",
    ),
    (
        "raise",
        {},
        3,
        f"layers[0].backward raised ValueError at step {nets.STEP}: shapes (30,16) and (3,16) not aligned",
    ),
    ("interrupt", {}, 3, f"layers[0].backward raised KeyboardInterrupt at step {nets.STEP} (misbehaving_nets.py:"),
    (
        "base_exception",
        {},
        3,
        f"layers[0].backward raised Stop at step {nets.STEP}: training stopped early (misbehaving_nets.py:",
    ),
    (
        "segv",
        {},
        3,
        f"your code crashed the process at step {nets.STEP} with SIGSEGV (Segmentation fault) in Tanh.forward "
        "(misbehaving_nets.py:",
    ),
    ("ctypes", {}, 3, f"your code crashed the process at step {nets.STEP} with SIGSEGV"),
    ("loop", {"timeout": 3}, 3, "your code did not finish within 3 s (--timeout)"),
    (
        "memory",
        {"memory": 200},
        3,
        f"your code ran out of memory (--memory 200 MB) at step {nets.STEP} in layers[0].forward",
    ),
    ("inplace_X", {}, 1, "layers[0].forward changed its input X in place at step 1"),
    ("inplace_y", {}, 1, "loss.calculate changed its input y in place at step 1"),
    ("inplace_grad", {}, 1, "layers[1].backward changed the gradient handed to it in place at step 1"),
    ("nan_loss", {}, 1, "your loss returned NaN at step 1 where torch's is finite"),
    ("writeback", {}, 0, "PASS (layer objects) against torch"),
    ("print", {}, 0, "PASS (layer objects) against torch"),
    ("global_rng", {}, 0, "PASS (layer objects) against torch"),
    ("patch_numpy", {}, 0, "PASS (layer objects) against torch"),
    (None, {}, 0, "PASS (layer objects) against torch"),
]


@pytest.mark.parametrize("how,kwargs,code,words", CATALOGUE, ids=[c[0] or "correct" for c in CATALOGUE])
def test_misbehaving_code_gets_its_verdict(how, kwargs, code, words):
    state, np_sum = np.random.get_state(), np.sum
    result = judge(how, **kwargs)
    assert exit_code(result) == code, str(result)
    assert words in str(result), str(result)
    assert "Traceback" not in str(result)
    kind = {
        "sys_exit": "exited",
        "os_exit": "exited",
        "raise": "raised",
        "interrupt": "raised",
        "base_exception": "raised",
        "segv": "crashed",
        "ctypes": "crashed",
        "loop": "timeout",
        "memory": "memory",
    }.get(how)
    assert (result.failure.kind if result.failure else None) == kind
    assert np.sum is np_sum and np.array_equal(np.random.get_state()[1], state[1])  # this process's NumPy is its own


def test_a_hung_step_ignoring_sigterm_leaves_no_process(tmp_path, monkeypatch):
    """It ignores SIGTERM and started a process of its own: both are gone when validate returns."""
    monkeypatch.setenv("MISBEHAVING_PIDS", str(tmp_path / "pids"))
    result = judge("sleep", timeout=3)
    assert exit_code(result) == 3 and result.failure.kind == "timeout", str(result)
    assert (
        "still in Dense.backward (misbehaving_nets.py:" in result.error
        and "called as layers[0].backward" in result.error
    )
    for pid in map(int, (tmp_path / "pids").read_text().split()):
        deadline = time.monotonic() + 30  # the helper is reaped by init, not by us: wait for that, bounded
        while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), f"process {pid} still runs"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_the_frameworks_train_on_the_original_data():
    """In-place changes stay in the user's process: the caller's arrays are untouched."""
    X, y = nets.data()
    X0, y0 = X.copy(), y.copy()
    for how in ("inplace_X", "inplace_y"):
        validate(**nets.network(how), X=X, y=y, steps=3, against="torch")
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


@pytest.mark.parametrize(
    "how,words",
    [("os_exit", "exited the process at step 2"), ("loop", "did not finish within 3 s"), ("segv", "SIGSEGV")],
    ids=["exit", "timeout", "crash"],
)
def test_assert_validates_fails_the_test_with_the_reason(how, words):
    X, y = nets.data()
    with pytest.raises(AssertionError, match=words):
        assert_validates(**nets.network(how), X=X, y=y, steps=5, against="torch", timeout=3)


def test_exit_while_setting_up_is_reported_not_raised_as_exit():
    """A network that exits while it is being set up (here: probed for its spec) has no result:
    validate raises UserCodeFailed; assert_validates an AssertionError."""
    X, y = nets.data()
    net = nets.network("sys_exit")
    del net["spec"]  # probing the optimizer runs update_params, which exits
    with pytest.raises(UserCodeFailed, match="exited the process while loading your network"):
        validate(**net, X=X, y=y, steps=5, against="torch")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "validate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    "name,extra,code,words",
    [
        (
            "os_exit",
            [],
            3,
            "your code exited the process at step 2 (os._exit(0) in SGD.update_params (misbehaving_nets.py:",
        ),
        ("segv", [], 3, "your code crashed the process at step 2 with SIGSEGV"),
        (
            "loop",
            ["--timeout", "3"],
            3,
            "your code did not finish within 3 s (--timeout) at step 2: still in Dense.backward",
        ),
        ("inplace_X", [], 1, "layers[0].forward changed its input X in place at step 1"),
        ("nan_loss", [], 1, "your loss returned NaN at step 1"),
        ("printing", [], 0, "PASS (layer objects) against torch"),
    ],
    ids=["os_exit", "segv", "timeout", "inplace_X", "nan_loss", "printing"],
)
def test_the_command_as_a_user_runs_it(name, extra, code, words):
    proc = cli(f"{TARGET}:{name}", "--task", "spiral", "--steps", "5", "--against", "torch", *extra)
    assert proc.returncode == code, proc.stdout + proc.stderr[-3000:]
    assert words in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr and "Fatal Python error" not in proc.stderr, proc.stderr


def test_a_module_patching_numpy_or_exiting_at_import(tmp_path):
    """The user's module is imported in the child only: NumPy patched there changes nothing of
    the judge's; an exit while importing is the user's code failing to run."""
    (tmp_path / "patched.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nimport numpy as np\nimport misbehaving_nets as nets\n"
        "for name in ('sum', 'max', 'abs', 'mean', 'allclose', 'isfinite', 'array_equal'):\n"
        "    setattr(np, name, lambda *a, **k: 0.0)\n"
        "def network():\n    return nets.network()\n"
    )
    proc = cli(f"{tmp_path / 'patched.py'}:network", "--task", "spiral", "--steps", "5", "--against", "torch")
    assert proc.returncode == 0 and "PASS (layer objects) against torch" in proc.stdout, (
        proc.stdout + proc.stderr[-3000:]
    )
    (tmp_path / "leaves.py").write_text("import sys\nsys.exit(0)\n")
    proc = cli(f"{tmp_path / 'leaves.py'}:network", "--task", "spiral", "--steps", "5", "--against", "torch")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert (
        "your code exited the process while loading your network (sys.exit(0) in <module> (leaves.py:2)" in proc.stdout
    )


def test_nothing_judged_is_bad_input_not_a_fail():
    """The book's momentum SGD with decay, against torch alone: nothing was compared, exit 2."""
    proc = cli("examples/nnfs_book_style.py:network", "--task", "spiral", "--steps", "3", "--against", "torch")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = proc.stderr.strip().splitlines()
    assert (
        len(line) == 1
        and "nothing was judged: torch cannot express this network" in line[0]
        and "keras and jax can" in line[0]
    )
    assert "FAIL" not in proc.stdout


def test_a_nan_loss_is_named_when_the_spec_is_inferred():
    X, y = nets.data()
    net = nets.network("nan_loss")
    del net["spec"]
    result = validate(**net, X=X, y=y, steps=5, against="torch")
    assert exit_code(result) == 1 and "your loss returned NaN at step 1 where torch's is finite" in result.diagnosis, (
        str(result)
    )


def test_isolate_false_runs_in_this_process():
    """The escape hatch (and the way where fork is missing): same verdict, no child process."""
    X, y = nets.data()
    result = validate(**nets.network(), X=X, y=y, steps=3, against="torch", isolate=False)
    assert result.ok and result.failure is None, str(result)


def test_a_fresh_copy_without_time_left_fails_its_steps_not_the_judge():
    """The diagnosis re-runs fresh copies (suggested conventions): one that cannot start in the
    time left reports that from its steps, where the re-run expects errors, and leaves no process."""
    from reference_impls.validation.core import as_network
    from reference_impls.validation.sandbox import IsolatedNetwork, Limits, Session
    from reference_impls.validation.usercode import Caller

    X, y = nets.data()
    before = _children()
    with Session(Limits(timeout=60)) as session:
        net = IsolatedNetwork(lambda: (as_network(**nets.network(), X=X, y=y), None), session)
        session.spent = 60.0
        copy = net.fresh()
        with pytest.raises(UserCodeFailed, match="did not finish within 60 s"):
            copy.step(X, y, Caller())
    assert _children() <= before


def test_nothing_judged_through_the_api_says_which_framework_can():
    from validation_nets import mse_net, xor_data

    X, y = xor_data()
    result = validate(**mse_net(decay=0.1, momentum=0.9), X=X, y=y, steps=3, against="torch")
    assert exit_code(result) == 2 and not result.compared, str(result)
    assert (
        str(result).startswith("validate: NOT JUDGED")
        and "keras and jax can: pass --against keras,jax" in result.diagnosis[0]
    )
