"""The benchmark runner: tasks x implementations x seeds, recorded in tidy tables.

Each run builds its implementation from the task's spec and the seed's initial weights
(the same for every implementation), trains on the spec's batches, evaluates on a paused
clock, and cross-checks its final metrics with scikit-learn. Each finished run is saved
at once as ``records/<run_id>.json``, so an interrupted sweep loses only the run in
progress and ``--resume`` finishes it with the same tables as an uninterrupted sweep.
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from reference_impls import build
from reference_impls.base import NotExpressible
from reference_impls.equivalence import native_spec
from reference_impls.spec import ModelSpec, SpecError

from . import metrics
from .config import SweepConfig, TaskPlan
from .environment import import_seconds, pin_threads, software
from .io import atomic_write, atomic_write_json, atomic_write_table, check_writable
from .schema import CURVES, ENV_PREFIX, RUNS
from .summary import summarize
from .tasks import Task

EVALS_PER_RUN = 100  # default evaluation count per run (the steps-to-target resolution)


@dataclass(frozen=True)
class Job:
    """Everything one run needs; picklable, so it can run in another process."""

    task: Task
    impl: str
    seed: int
    spec: ModelSpec
    epochs: int
    eval_every_epochs: int | None
    warmup_steps: int
    threads: int
    parallel_jobs: int
    keep_weights: bool = False  # final weights for decision-boundary plots (2-D tasks, first seed)

    @property
    def run_id(self) -> str:
        key = {
            "task": self.task.name, "params": self.task.params, "impl": self.impl, "seed": self.seed,
            "spec": self.spec.to_dict(), "epochs": self.epochs, "eval_every": self.eval_every_epochs,
        }
        return hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def make_jobs(config: SweepConfig, parallel_jobs: int = 1) -> list[Job]:
    """The sweep's runs, task-major (so a progress bar moves through tasks in order)."""
    jobs = []
    for plan in config.plans():
        for seed in config.seeds:
            for impl in config.impls:
                spec = plan.spec.replace(seed=seed)
                spec = spec if impl == "scratch" else native_spec(spec, impl)
                keep = "2d" in plan.task.tags and seed == config.seeds[0]
                jobs.append(Job(plan.task, impl, seed, spec, plan.epochs, config.eval_every, config.warmup_steps, config.threads, parallel_jobs, keep))
    return jobs


_INIT_SECONDS: dict[str, float] = {}


def framework_init(impl: str) -> float:
    """Seconds of the one-time, in-process start-up of a framework (its first model build,
    step and prediction, on a tiny network), paid once per process before any timed run so
    it never inflates ``t_build`` or ``t_compile``; recorded as ``t_init``."""
    if impl not in _INIT_SECONDS:
        spec = ModelSpec(sizes=(2, 3, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", optimizer="sgd", lr=0.1)
        X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1])
        start = time.perf_counter()
        model = build(impl, native_spec(spec, impl) if impl != "scratch" else spec)
        model.train(X, y, 2)
        model.predict_proba(X)
        _INIT_SECONDS[impl] = time.perf_counter() - start
    return _INIT_SECONDS[impl]


def _evaluate(model, data, kind: str) -> dict[str, float]:
    out = {}
    for part, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
        proba = model.predict_proba(X)
        if not np.all(np.isfinite(proba)):
            raise FloatingPointError("the outputs became NaN or inf")
        out[f"{part}_loss"] = metrics.loss(kind, y, proba)
        out[f"{part}_accuracy"] = np.nan if kind == "mse" else metrics.accuracy(y, proba)
    return out


def execute(job: Job) -> dict:
    """One run: its ``runs`` row and its ``curves`` rows."""
    pin_threads(job.threads, (job.impl,))
    task, spec = job.task, job.spec
    kind = "mse" if spec.loss == "mse" else "ce"
    row = {
        "run_id": job.run_id, "task": task.name, "impl": job.impl, "seed": job.seed, "status": "ok", "message": "",
        "epochs": job.epochs, "steps": 0, "batch_size": np.nan, "dtype": spec.dtype, "optimizer": spec.optimizer,
        "convention": spec.convention, "target_metric": task.target_metric, "target": task.target,
        "reached_target": False, "steps_to_target": np.nan, "epochs_to_target": np.nan, "time_to_target": np.nan,
        "t_import": import_seconds(job.impl), "warmup_steps": job.warmup_steps, "threads": job.threads,
        "parallel_jobs": job.parallel_jobs, "spec": spec.to_json(),
    }
    curves: list[dict] = []
    # Overflow is detected and recorded as divergence; NumPy's warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _train_and_evaluate(job, row, curves, kind)
    row.update({ENV_PREFIX + k: v for k, v in software().items()})
    return {"run": row, "curves": curves}


def _train_and_evaluate(job: Job, row: dict, curves: list[dict], kind: str) -> None:
    task, spec = job.task, job.spec
    try:
        data = task.data(job.seed)
        weights = spec.init_weights()
        row["t_init"] = framework_init(job.impl)  # imports and warms the framework, untimed below
        start = time.perf_counter()
        model = build(job.impl, spec, weights)
        row["t_build"] = time.perf_counter() - start
        prepared = model.prepare(data.X_train, data.y_train)
        n = prepared[0]
        per_epoch = spec.steps_per_epoch(n)
        total = job.epochs * per_epoch
        every = per_epoch * (job.eval_every_epochs or max(1, math.ceil(job.epochs / EVALS_PER_RUN)))
        row.update(batch_size=n if spec.batch_size is None else min(spec.batch_size, n), eval_every=every)
        seconds, losses = np.zeros(total), np.full(total, np.nan)
        t_eval, done, since = 0.0, 0, 0

        def record(step: int) -> dict:
            nonlocal t_eval
            clock = time.perf_counter()
            values = _evaluate(model, data, kind)
            t_eval += time.perf_counter() - clock
            curves.append({
                "run_id": job.run_id, "task": task.name, "impl": job.impl, "seed": job.seed, "step": step,
                "epoch": step / per_epoch, "step_loss": float(np.mean(losses[since:step])) if step else np.nan,
                **values, "train_seconds": float(seconds[:step].sum()),
            })
            return values

        values = record(0)
        while done < total:
            chunk = 1 if done == 0 else min(every - done % every, total - done)  # step 1 alone: it compiles
            losses[done : done + chunk] = model.run_steps(prepared, chunk, seconds[done : done + chunk])
            done += chunk
            if not np.all(np.isfinite(losses[done - chunk : done])):
                row.update(status="diverged", message=f"the training loss became {losses[done - 1]} by step {done}")
                break
            if done % every == 0 or done == total:
                values = record(done)
                since = done
                if not row["reached_target"] and values[task.target_metric] >= task.target:
                    row.update(reached_target=True, steps_to_target=done, epochs_to_target=done / per_epoch,
                               time_to_target=float(seconds[:done].sum()))
        after = seconds[1 + job.warmup_steps : done]
        if not len(after):  # short runs: every step after the first
            after = seconds[1:done]
        row.update(
            steps=done, t_compile=float(seconds[0]) if done else np.nan, t_train=float(seconds[1:done].sum()), t_eval=t_eval,
            t_step_median=float(np.median(after)) if len(after) else np.nan,
            t_step_iqr=float(np.subtract(*np.percentile(after, [75, 25]))) if len(after) else np.nan,
            final_step_loss=float(losses[done - 1]) if done else np.nan,
        )
        if row["status"] == "ok":
            row.update({f"final_{k}": v for k, v in values.items()})
            if job.keep_weights:
                row["_weights"] = [[W.tolist(), b.tolist()] for W, b in model.get_weights()]
            proba = model.predict_proba(data.X_test)
            row.update(metrics.sklearn_cross_check(kind, data.y_test, proba, spec.sizes[-1]))
    except NotExpressible as exc:
        row.update(status="not expressible", message=str(exc))
    except FloatingPointError as exc:
        row.update(status="diverged", message=str(exc))
    except Exception as exc:  # recorded; the sweep goes on
        row.update(status="failed", message=f"{type(exc).__name__}: {exc}")


# ---- the sweep ---------------------------------------------------------------------------
@dataclass
class Results:
    runs: pd.DataFrame
    curves: pd.DataFrame
    summary: pd.DataFrame
    complete: bool = True


def save_weights(out: str, run_id: str, weights: list) -> str:
    """``weights/<run_id>.npz`` with arrays W0, b0, W1, b1, ... (for decision boundaries)."""
    folder = os.path.join(out, "weights")
    os.makedirs(folder, exist_ok=True)
    arrays = {f"{name}{i}": np.asarray(a) for i, (W, b) in enumerate(weights) for name, a in (("W", W), ("b", b))}
    def write(path: str) -> None:
        with open(path, "wb") as f:
            np.savez(f, **arrays)

    return atomic_write(os.path.join(folder, run_id + ".npz"), write)


def load_weights(out: str, run_id: str) -> list[tuple[np.ndarray, np.ndarray]] | None:
    path = os.path.join(out, "weights", run_id + ".npz")
    if not os.path.exists(path):
        return None
    with np.load(path) as data:
        return [(data[f"W{i}"], data[f"b{i}"]) for i in range(len(data.files) // 2)]


def _records_dir(out: str) -> str:
    return os.path.join(out, "records")


def _load_records(out: str) -> dict[str, dict]:
    records = {}
    for path in glob.glob(os.path.join(_records_dir(out), "*.json")):
        with open(path) as f:
            rec = json.load(f)
        records[rec["run"]["run_id"]] = rec
    return records


def tables(records: Iterable[dict], order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``runs`` and ``curves`` from run records, in job order, with the schema's columns first."""
    by_id = {r["run"]["run_id"]: r for r in records}
    recs = [by_id[i] for i in order if i in by_id]
    runs = pd.DataFrame([r["run"] for r in recs])
    if len(runs):
        runs = runs[[c for c in RUNS if c in runs] + sorted(c for c in runs if c not in RUNS)]
    curves = pd.DataFrame([c for r in recs for c in r["curves"]], columns=list(CURVES))
    return runs, curves


def _iterate(jobs: list[Job], parallel: int) -> Iterator[dict]:
    if parallel <= 1:
        for job in jobs:
            yield execute(job)
        return
    from joblib import Parallel, delayed

    yield from Parallel(n_jobs=parallel, return_as="generator_unordered")(delayed(execute)(job) for job in jobs)


def run_sweep(
    config: SweepConfig, out: str | None = None, *, resume: bool = False, overwrite: bool = False, jobs: int = 1,
    progress: Callable[[int, int, str], None] | None = None, argv: list[str] | None = None,
) -> Results:
    """Run every (task, impl, seed) of ``config``; returns the tables (and writes them,
    with ``manifest.json``, under ``out``). ``resume`` skips runs already recorded there."""
    job_list = make_jobs(config, jobs)
    order = [j.run_id for j in job_list]
    records: dict[str, dict] = {}
    if out:
        check_writable(out)
        existing = _load_records(out)
        if existing and not (resume or overwrite):
            raise SpecError(f"{out} already holds {len(existing)} recorded runs; add --resume to continue that sweep, --overwrite to replace it, or choose another --out")
        if overwrite:
            shutil.rmtree(_records_dir(out), ignore_errors=True)
            shutil.rmtree(os.path.join(out, "weights"), ignore_errors=True)
        elif resume:
            records = {k: v for k, v in existing.items() if k in order}
        os.makedirs(_records_dir(out), exist_ok=True)
    pending = [j for j in job_list if j.run_id not in records]
    if jobs <= 1:
        pin_threads(config.threads, tuple(config.impls))
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    complete = False
    try:
        for i, rec in enumerate(_iterate(pending, jobs)):
            run = rec["run"]
            weights = run.pop("_weights", None)
            records[run["run_id"]] = rec
            if out:
                if weights is not None:
                    save_weights(out, run["run_id"], weights)
                atomic_write_json(os.path.join(_records_dir(out), run["run_id"] + ".json"), rec)
            if progress:
                progress(len(job_list) - len(pending) + i + 1, len(job_list), f"{run['task']} {run['impl']} seed {run['seed']}")
        complete = True
    finally:
        runs, curves = tables(records.values(), order)
        summary = summarize(runs)
        if out and len(runs):
            for name, df in (("runs", runs), ("curves", curves), ("summary", summary)):
                atomic_write_table(df, os.path.join(out, name))
            manifest = {
                "complete": complete, "runs_recorded": len(runs), "runs_planned": len(job_list),
                "started": started, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": " ".join(argv if argv is not None else sys.argv),
                "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(config).items()},
                "parallel_jobs": jobs, "software": software(),
                "tasks": {p.task.name: {"params": p.task.params, "epochs": p.epochs, "spec": p.spec.to_dict()} for p in config.plans()},
            }
            atomic_write_json(os.path.join(out, "manifest.json"), manifest)
    return Results(runs, curves, summary, complete)
