"""Sweeps on a Dask cluster: a ``LocalCluster`` of separate worker processes, started and
closed by these tests. The cluster gives the same non-timing tables as a local sweep, and
a worker killed mid-sweep loses no run."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest

from benchmarks.harness import config as cfgmod
from benchmarks.harness.sweep import run_sweep
from benchmarks.results.store import ResultsStore

distributed = pytest.importorskip("distributed", reason="dask.distributed is a dependency of the dask backend")

TIMING = ("t_", "host", "parallel_jobs", "env_", "load_1m_")


@pytest.fixture(scope="module")
def cluster():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def _non_timing(runs: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in runs.columns if not c.startswith(TIMING) and c not in TIMING]
    return runs[keep].sort_values("run_id").reset_index(drop=True)


def test_cluster_sweep_matches_the_local_sweep(cluster, tmp_path):
    cfg = cfgmod.from_mapping({"tasks": "xor,and", "impls": "scratch,torch", "seeds": 2, "epochs": 30})
    local = run_sweep(cfg, str(tmp_path / "local"))
    remote = run_sweep(cfg, str(tmp_path / "dask"), backend="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(_non_timing(local.runs), _non_timing(remote.runs))
    assert (remote.runs["status"] == "ok").all() and len(remote.runs) == 8
    assert remote.runs["host"].notna().all()
    curves = ["run_id", "step", "train_loss", "test_accuracy"]
    pd.testing.assert_frame_equal(
        local.curves[curves].sort_values(curves[:2]).reset_index(drop=True),
        remote.curves[curves].sort_values(curves[:2]).reset_index(drop=True),
    )


def _worker_pids(cluster) -> list[int]:
    return [w.process.pid for w in cluster.workers.values() if getattr(w, "process", None) and w.process.pid]


def test_worker_killed_mid_sweep_loses_no_run(cluster, tmp_path):
    cfg = cfgmod.from_mapping({"tasks": "spiral", "impls": "scratch", "seeds": 6, "epochs": 600})
    out = tmp_path / "killed"
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.update(r=run_sweep(cfg, str(out), backend="dask", scheduler=cluster.scheduler_address))
    )
    thread.start()
    records = out / "records"
    deadline = time.monotonic() + 600  # bounded wait for the first finished run (a record file)
    while time.monotonic() < deadline and not (
        records.exists() and any(p.suffix == ".json" and not p.name.startswith(".") for p in records.iterdir())
    ):
        time.sleep(0.2)
    pids = _worker_pids(cluster)
    assert pids, "no worker process to kill"
    os.kill(pids[0], signal.SIGKILL)  # Dask's nanny restarts it; its run is resubmitted
    thread.join(timeout=1200)
    assert not thread.is_alive(), "the sweep did not finish"
    runs = result["r"].runs
    assert len(runs) == 6 and set(runs["status"]) <= {"ok", "failed"}
    stored = ResultsStore(out).read_records()
    assert len(stored) == 6  # every run recorded: ok, or failed with the reason
    assert all(r["run"]["status"] == "ok" or "cluster" in r["run"]["message"] for r in stored.values())


def test_scheduler_without_dask_backend_is_refused():
    cfg = cfgmod.from_mapping({"tasks": "xor", "impls": "scratch", "seeds": 1, "epochs": 5})
    with pytest.raises(ValueError, match="--scheduler needs --backend dask"):
        run_sweep(cfg, backend="local", scheduler="tcp://127.0.0.1:1")


def test_unreachable_scheduler_is_one_line():
    cfg = cfgmod.from_mapping({"tasks": "xor", "impls": "scratch", "seeds": 1, "epochs": 5})
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_sweep(cfg, backend="dask", scheduler="tcp://127.0.0.1:9")


def test_cli_run_on_a_local_cluster_it_starts_and_stops(tmp_path, capsys):
    from benchmarks.cli import main

    out = tmp_path / "cli"
    code = main(
        [
            "run",
            "--tasks",
            "xor",
            "--impls",
            "scratch",
            "--seeds",
            "2",
            "--epochs",
            "5",
            "--backend",
            "dask",
            "--jobs",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 and (runs["status"] == "ok").all() and runs["host"].notna().all()


# ---- --device: spec-independent, recorded per run ------------------------------------------------
def test_device_cpu_is_recorded_for_every_run(tmp_path):
    cfg = cfgmod.from_mapping({"tasks": "xor", "impls": "scratch,torch,keras", "seeds": 1, "epochs": 5})
    runs = run_sweep(cfg, device="cpu").runs
    assert (runs["device"] == "cpu").all() and (runs["status"] == "ok").all()


def test_device_cuda_runs_the_frameworks_there_or_says_why_not():
    import torch

    from reference_impls import ModelSpec, build

    spec = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", lr=0.5)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device here"):
            build("torch", spec, device="cuda")
        pytest.skip("no CUDA device on this machine: the GPU path ran only as far as its refusal")
    import numpy as np

    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])
    cpu, gpu = build("torch", spec), build("torch", spec, device="cuda")
    assert np.allclose(cpu.train(X, y, 50), gpu.train(X, y, 50), rtol=1e-12)


def test_scratch_cannot_run_on_cuda():
    from reference_impls import ModelSpec, NotExpressible, build

    spec = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy")
    with pytest.raises(NotExpressible, match="the cuda device"):
        build("scratch", spec, device="cuda")


def test_device_cuda_without_a_gpu_is_one_line_before_any_run(tmp_path, capsys):
    import torch

    from benchmarks.cli import main

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal does not apply")
    code = main(
        [
            "run",
            "--tasks",
            "xor",
            "--impls",
            "torch",
            "--seeds",
            "1",
            "--epochs",
            "5",
            "--device",
            "cuda",
            "--out",
            str(tmp_path / "g"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--device cuda: torch sees no CUDA device here" in err[0], err
    assert not (tmp_path / "g" / "records").exists()
    code = main(
        [
            "check",
            "--tasks",
            "xor",
            "--impls",
            "torch",
            "--steps",
            "5",
            "--device",
            "cuda",
            "--out",
            str(tmp_path / "c"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--device cuda: torch sees no CUDA device here" in err[0], err
    assert not (tmp_path / "c").exists()


def test_check_records_each_frameworks_device():
    """--device reaches every comparison and the table says where each ran: cuda for torch
    and Keras (on a GPU machine), the CPU for scikit-learn, which has no GPU path."""
    import torch

    from benchmarks.harness.check import parse_configs, run_check
    from benchmarks.tasks import TASKS

    device = "cuda" if torch.cuda.is_available() else "cpu"
    table, _ = run_check([TASKS["xor"]], ["torch", "sklearn"], parse_configs("sgd-full"), 20, device=device, workers=1)
    assert dict(zip(table.impl, table.device)) == {"torch": device, "sklearn": "cpu"}, table[["impl", "device"]]
    assert (table.status == "pass").all(), table[["impl", "status", "note"]]


def test_check_on_the_cluster_gives_the_local_table(cluster):
    """``check --backend dask``: the comparisons run on the cluster's worker processes and
    the equivalence and deviation tables equal a local run's, number for number."""
    from benchmarks.harness.check import parse_configs, run_check
    from benchmarks.tasks import TASKS

    args = ([TASKS["xor"], TASKS["and"]], ["torch", "sklearn"], parse_configs("sgd-full,momentum-minibatch"), 30)
    local, dev_local = run_check(*args, workers=1)
    remote, dev_remote = run_check(*args, backend="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local.drop(columns="seconds"), remote.drop(columns="seconds"))
    pd.testing.assert_frame_equal(dev_local, dev_remote)
    assert len(remote) == 8 and set(remote["status"]) <= {"pass", "amplified"}


def test_worker_killed_mid_check_loses_no_comparison(cluster):
    """A worker killed while the check runs: its group is resubmitted (or, should its
    workers keep dying, recorded as errors with the reason); no comparison goes missing."""
    from benchmarks.harness.check import parse_configs, run_check
    from benchmarks.tasks import TASKS

    args = (
        [TASKS[t] for t in ("xor", "and", "or", "nand")],
        ["torch"],
        parse_configs("sgd-full,momentum-minibatch"),
        1000,
    )
    first_done, result = threading.Event(), {}

    def check() -> None:
        result["tables"] = run_check(
            *args, backend="dask", scheduler=cluster.scheduler_address, progress=lambda *_: first_done.set()
        )

    thread = threading.Thread(target=check)
    thread.start()
    assert first_done.wait(timeout=600), "no comparison finished on the cluster"
    pids = _worker_pids(cluster)
    assert pids, "no worker process to kill"
    os.kill(pids[0], signal.SIGKILL)  # Dask's nanny restarts it; the group it held is resubmitted
    thread.join(timeout=1200)
    assert not thread.is_alive(), "the check did not finish"
    table, _ = result["tables"]
    assert len(table) == 8 and not table[["task", "config", "impl"]].duplicated().any()
    errors = table[table["status"] == "error"]
    assert errors["note"].str.contains("on the cluster").all(), errors[["task", "config", "note"]]
    local, _ = run_check(*args, workers=1)
    finished = table["status"] != "error"
    assert finished.any()
    pd.testing.assert_frame_equal(
        table[finished].drop(columns="seconds").reset_index(drop=True),
        local[finished].drop(columns="seconds").reset_index(drop=True),
    )


def test_check_scheduler_without_dask_backend_is_one_line(capsys):
    from benchmarks.cli import main

    assert main(["check", "--tasks", "xor", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scheduler needs --backend dask" in err[0]
