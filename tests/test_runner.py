"""The runner through its Python API: tables, statuses, targets, timing, resume, summary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.harness import config as cfgmod
from benchmarks.harness.summary import median_ci
from benchmarks.harness.sweep import make_jobs, run_sweep
from benchmarks.results.schema import CONFUSION, CURVES, ENV_PREFIX, RUNS, SPEC_PREFIX, SUMMARY
from reference_impls import IMPLEMENTATIONS, SpecError

TIMING = [
    "t_import",
    "t_init",
    "t_build",
    "t_compile",
    "t_train",
    "t_eval",
    "t_step_median",
    "t_step_iqr",
    "t_to_target",
    "load_1m_before",
    "load_1m_after",
]


def sweep(tmp_path=None, **settings):
    cfg = cfgmod.from_mapping({"seeds": 2, "epochs": 40, **settings})
    return run_sweep(cfg, str(tmp_path) if tmp_path else None)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    return out, sweep(out, tasks="xor,spiral", impls="all")


def test_tables_follow_the_schema(small):
    out, res = small
    named = [c for c in RUNS if "*" not in c]
    assert list(res.runs.columns[: len(named)]) == named
    assert all(c.startswith(SPEC_PREFIX) for c in res.runs.columns[len(named) :])  # p_lr, p_optimizer, ...
    assert [c for c in res.runs if c.startswith(ENV_PREFIX)] == [
        "env_id"
    ]  # the rest: the environment table, joined by env_id
    assert list(res.curves.columns) == list(CURVES) and list(res.summary.columns) == list(SUMMARY)
    assert len(res.runs) == 2 * len(IMPLEMENTATIONS) * 2 and (res.runs["status"] == "ok").all()
    for name in ("runs", "curves", "summary", "confusion", "environment"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), getattr(res, name))
        assert len(pd.read_csv(out / f"{name}.csv")) == len(getattr(res, name))
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["complete"]
        and manifest["runs_recorded"] == len(res.runs)
        and manifest["software"]["numpy"] == np.__version__
    )


def test_tables_are_tidy(small):
    """What a data scientist loading the tables with pandas needs: parameters as columns,
    one-line spec, stable dtypes (the same from the CSV copy), confusion matrices long,
    the environment once per sweep, machine load per run."""
    out, res = small
    runs = res.runs
    assert runs.groupby("p_lr")["run_id"].count().sum() == len(runs)  # group by a hyperparameter, no json_normalize
    assert (runs["p_optimizer"] == runs["optimizer"]).all() and runs["p_sizes"].isin(["[2,10,10,1]", "[2,64,3]"]).all()
    assert not runs["spec"].str.contains("\n").any() and json.loads(runs["spec"].iloc[0])["lr"] == runs["p_lr"].iloc[0]
    csv = (out / "runs.csv").read_text()
    assert csv.count("\n") == len(runs) + 1  # one line per run
    assert str(runs["steps_to_target"].dtype) == "Int64" and str(runs["cpu_count"].dtype) == "Int64"
    from benchmarks.results.schema import csv_dtypes

    for name in ("runs", "curves", "summary", "confusion", "environment"):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        again = pd.read_csv(out / f"{name}.csv", dtype=csv_dtypes(name))
        typed = {c: str(parquet[c].dtype) for c in csv_dtypes(name) if c in parquet and csv_dtypes(name)[c] != "str"}
        assert {c: str(again[c].dtype) for c in typed} == typed, name
    env = res.environment
    assert len(env) == 1 and set(runs["env_id"]) == set(env["env_id"]) and str(env["env_cpu_count"].dtype) == "Int64"
    assert env["env_numpy"].iloc[0] == np.__version__ and len(runs.merge(env, on="env_id")) == len(runs)
    conf = res.confusion
    assert list(conf.columns) == list(CONFUSION) and "sk_confusion_matrix" not in runs
    per_run = conf.groupby("run_id")["count"].sum()
    spiral = runs[runs["task"] == "spiral"].iloc[0]
    assert (
        per_run[spiral["run_id"]] == 300 and len(conf[conf["run_id"] == spiral["run_id"]]) == 9
    )  # 3 x 3 cells, zeros kept
    hits = conf[conf["true"] == conf["predicted"]].groupby("run_id")["count"].sum() / per_run
    np.testing.assert_allclose(hits[runs["run_id"]].to_numpy(), runs["sk_accuracy"].to_numpy())
    assert (runs["load_1m_before"] >= 0).all() and (runs["load_1m_after"] >= 0).all() and (runs["cpu_count"] >= 1).all()


def test_summary_says_which_split_and_counts_not_expressible_apart():
    res = sweep(None, tasks="xor,moons", impls="scratch,sklearn", seeds=2, epochs=5, spec={"optimizer": "rmsprop"})
    s = res.summary.set_index(["task", "impl"])
    assert s.loc[("xor", "sklearn"), "not_expressible"] == 2 and s.loc[("xor", "sklearn"), "failed"] == 0
    assert (
        s.loc[("xor", "scratch"), "target_metric"] == "train_accuracy"
        and s.loc[("moons", "scratch"), "target_metric"] == "test_accuracy"
    )
    runs = res.runs.set_index(["task", "impl", "seed"]).sort_index()
    assert (
        s.loc[("moons", "scratch"), "final_test_accuracy_median"]
        == runs.loc[("moons", "scratch"), "final_test_accuracy"].median()
    )
    assert (
        s.loc[("moons", "scratch"), "final_train_accuracy_median"]
        == runs.loc[("moons", "scratch"), "final_train_accuracy"].median()
    )


def test_every_implementation_learns_the_same(small):
    _, res = small
    runs = res.runs.set_index(["task", "seed", "impl"])
    for (task, seed), g in res.runs.groupby(["task", "seed"]):
        accs = g["final_train_accuracy"].to_numpy()
        assert np.all(accs == accs[0]), (task, seed)
        # torch and scratch follow the same (pytorch) Adam/SGD form: the same losses.
        a, b = (
            runs.loc[(task, seed, "scratch"), "final_train_loss"],
            runs.loc[(task, seed, "torch"), "final_train_loss"],
        )
        assert abs(a - b) <= 1e-9 * max(1, abs(a))
    assert (res.runs["sk_check"] == "ok").all()
    assert (res.runs["sk_accuracy"] == res.runs["final_test_accuracy"]).all()


def test_timing_and_target_semantics(small):
    _, res = small
    for r in res.runs.itertuples():
        assert r.batch_size == {"xor": 4, "spiral": 300}[r.task]  # the whole training set: full batch
        assert r.steps == r.epochs  # one step per epoch
        assert r.t_build > 0 and r.t_compile > 0 and r.t_train > 0 and r.t_step_median > 0 and r.t_step_iqr >= 0
        assert r.t_init > 0 and r.t_import > 0
        if r.reached_target:
            assert r.steps_to_target % r.eval_every == 0 or r.steps_to_target == r.steps
            assert 0 < r.t_to_target <= r.t_compile + r.t_train + 1e-9
        else:
            assert pd.isna(r.steps_to_target) and np.isnan(r.t_to_target)
    curves = res.curves
    first = curves[curves["step"] == 0]
    assert len(first) == len(res.runs) and first["t_train_so_far"].eq(0).all() and first["step_loss"].isna().all()
    # t_train_so_far never decreases and excludes evaluation
    assert (curves.groupby("run_id")["t_train_so_far"].diff().dropna() >= 0).all()


def test_divergence_and_failures_are_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    res = sweep(
        tmp_path,
        tasks="spiral,xor",
        impls="scratch,torch",
        seeds=1,
        epochs=20,
        task={"spiral": {"spec": {"lr": 1e30, "dtype": "float32"}}},
    )
    spiral = res.runs[res.runs["task"] == "spiral"]
    assert (spiral["status"] == "diverged").all() and spiral["message"].str.contains("became").all()
    assert (res.runs[res.runs["task"] == "xor"]["status"] == "ok").all()
    assert res.summary.set_index(["task", "impl"]).loc[("spiral", "torch"), "diverged"] == 1

    import reference_impls.torch_impl as torch_impl

    def broken(self, X, y):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(torch_impl.TorchImplementation, "_step", broken)
    res = sweep(None, tasks="xor", impls="scratch,torch,sklearn", seeds=1, epochs=5, spec={"optimizer": "rmsprop"})
    status = res.runs.set_index("impl")["status"]
    assert status["scratch"] == "ok" and status["torch"] == "failed" and status["sklearn"] == "not expressible"
    assert res.runs.set_index("impl").loc["torch", "message"] == "RuntimeError: simulated crash"


def interrupt_after(n: int):
    """A progress callback that presses Ctrl-C once ``n`` runs are recorded."""

    def progress(i: int, total: int, what: str) -> None:
        if i >= n:
            raise KeyboardInterrupt

    return progress


def test_resume_gives_the_same_tables(tmp_path):
    cfg = cfgmod.from_mapping({"tasks": "xor,moons", "impls": "scratch,sklearn", "seeds": 2, "epochs": 15})
    full = run_sweep(cfg, str(tmp_path / "full"))
    jobs = make_jobs(cfg)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(cfg, str(tmp_path / "part"), progress=interrupt_after(4))  # the first half, as if interrupted
    assert len(pd.read_parquet(tmp_path / "part" / "runs.parquet")) == 4
    with pytest.raises(SpecError, match="already holds 4 recorded runs, runs.parquet, .*; add --resume"):
        run_sweep(cfg, str(tmp_path / "part"))
    resumed = run_sweep(cfg, str(tmp_path / "part"), resume=True)
    assert resumed.runs["run_id"].tolist() == [j.run_id for j in jobs] == full.runs["run_id"].tolist()
    drop = lambda df: df.drop(columns=[c for c in df if c in TIMING or c.startswith("t_")])  # noqa: E731
    pd.testing.assert_frame_equal(drop(resumed.runs), drop(full.runs))
    pd.testing.assert_frame_equal(drop(resumed.curves), drop(full.curves))
    pd.testing.assert_frame_equal(drop(resumed.summary), drop(full.summary))


def test_parallel_jobs_are_flagged(tmp_path):
    cfg = cfgmod.from_mapping({"tasks": "xor", "impls": "scratch,torch", "seeds": 2, "epochs": 10})
    res = run_sweep(cfg, str(tmp_path), jobs=2)
    assert (res.runs["parallel_jobs"] == 2).all() and (res.runs["status"] == "ok").all()
    assert len(res.runs) == 4 and res.runs["run_id"].tolist() == [j.run_id for j in make_jobs(cfg)]


def test_threads_are_pinned_and_recorded():
    from threadpoolctl import threadpool_info

    res = sweep(None, tasks="xor", impls="scratch,torch", seeds=1, epochs=3, threads=1)
    assert (res.runs["threads"] == 1).all()
    import torch

    assert torch.get_num_threads() == 1
    assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")


def test_median_ci():
    med, lo, hi = median_ci([1.0, 2.0, 3.0, 4.0, 100.0])
    assert med == 3.0 and 1.0 <= lo < med < hi <= 100.0  # resamples' medians span the data
    assert median_ci([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0)
    assert np.isnan(median_ci([7.0])[1]) and median_ci([7.0])[0] == 7.0
    assert all(np.isnan(median_ci([np.nan])))
    assert median_ci([1.0, 2.0, 3.0, 4.0, 100.0]) == (med, lo, hi)  # seeded: reproducible


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"taks": "xor"}, "unknown config key\\(s\\) taks; valid keys: tasks, impls"),
        ({"seeds": 0}, "seeds must be a positive integer, got 0"),
        ({"seeds": [1, -2]}, "seeds must be a count or a list of non-negative integers"),
        ({"impls": "scratch,mxnet"}, "unknown implementation\\(s\\) mxnet"),
        ({"spec": {"learning_rate": 0.1}}, "\\[spec\\]: unknown spec field\\(s\\) learning_rate"),
        ({"task": {"spiral": {"arms": 4}}}, "\\[task.spiral\\]: unknown key\\(s\\) arms; valid: n_per_class"),
        ({"task": {"nope": {}}}, "unknown task 'nope'"),
        ({"tasks": "xor", "spec": {"activations": ["relu", "relu"]}}, "3 weight layers need 3 activations"),
        (
            {"tasks": "xor", "spec": {"sizes": [3, 4, 1], "activations": ["relu", "sigmoid"]}},
            "task xor has 2 input features",
        ),
    ],
)
def test_bad_configs(settings, message):
    with pytest.raises(SpecError, match=message):
        cfgmod.from_mapping(settings).plans()


def test_grids_and_overrides():
    """``run`` starts from the quick grid; flags override it as they say (--epochs for every
    task, --tasks drops the grid's settings of the tasks left out); full is the long sweep."""
    quick, full = cfgmod.grid("quick"), cfgmod.grid("full")
    assert (
        quick.tasks == ("xor", "spiral")
        and len(quick.seeds) == 3
        and {p.task.name: p.epochs for p in quick.plans()} == {"xor": 100, "spiral": 300}
    )
    assert full.tasks == ("and", "or", "nand", "nor", "xor", "xnor", "spiral") and len(full.seeds) == 5
    assert [p.epochs for p in full.plans()] == [500] * 6 + [2000]  # each task's own
    assert {p.epochs for p in cfgmod.from_mapping({"epochs": 20}, base=quick).plans()} == {20}
    assert cfgmod.from_mapping({"epochs": 20}, base=quick).eval_every is None
    moons = cfgmod.from_mapping({"tasks": "moons"}, base=quick)
    assert [p.epochs for p in moons.plans()] == [200] and moons.task_settings == {}
    assert (
        cfgmod.load(str(Path(__file__).resolve().parents[1] / "configs" / "full.toml")) == full
    )  # make example's file
    with pytest.raises(SpecError, match="unknown grid 'huge'; choose from: quick, full"):
        cfgmod.grid("huge")
