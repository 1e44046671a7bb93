"""``scratchbench check``: the scratch network against every framework, step by step.

For each task, configuration (optimizer x batching) and implementation, the scratch twin
and the framework train from the same weights; ``reference_impls.equivalence`` measures
the deviations. Results: the ``equivalence`` table (one row per comparison) and the
``deviation`` table (the loss deviation's growth, for plots).
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from reference_impls import equivalence as _equivalence
from reference_impls.equivalence import TOLERANCES, Comparison, compare
from reference_impls.spec import SpecError

from .config import parse_impls
from .jobs import batch_rows
from ..tasks import Task

@dataclass(frozen=True)
class CheckConfig:
    """One column of the equivalence matrix: an optimizer setting (its hyperparameters;
    the learning rate is the task's own stable one, ``Task.check_lr[setting]``) and batching."""

    name: str
    setting: str
    hyperparameters: dict
    minibatch: bool

    def spec_changes(self, task: Task) -> dict:
        changes = {**self.hyperparameters, "lr": task.check_lr[self.setting]}
        if self.minibatch:
            changes.update(batch_size=task.check_batch_size, shuffle=True)
        else:
            changes.update(batch_size=None, shuffle=False)
        return changes


SETTINGS = {
    "sgd": dict(optimizer="sgd", momentum=0.0, nesterov=False),
    "momentum": dict(optimizer="sgd", momentum=0.9, nesterov=False),
    "nesterov": dict(optimizer="sgd", momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam", beta1=0.9, beta2=0.999, eps=1e-7),
    "rmsprop": dict(optimizer="rmsprop", rho=0.9, eps=1e-7, momentum=0.0),
    "adagrad": dict(optimizer="adagrad", eps=1e-7, initial_accumulator=0.1),
}
CONFIGS: dict[str, CheckConfig] = {
    f"{setting}-{batch}": CheckConfig(f"{setting}-{batch}", setting, hyperparameters, batch == "minibatch")
    for setting, hyperparameters in SETTINGS.items()
    for batch in ("full", "minibatch")
}
DEFAULT_CONFIGS = [c for c in CONFIGS if not c.startswith("adagrad")]


def parse_configs(text: str) -> list[CheckConfig]:
    names = list(CONFIGS) if text == "all" else [c.strip() for c in text.split(",") if c.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names:
        raise SpecError(f"unknown config(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(CONFIGS)} (or 'all')")
    return [CONFIGS[n] for n in names]


def check_impls(text: str) -> list[str]:
    """The frameworks to compare with scratch: ``all`` means every one but scratch itself."""
    names = list(parse_impls(text))
    return [n for n in names if n != "scratch"] if text.strip() == "all" else names


def _row(task: Task, config: CheckConfig, r: Comparison, n_samples: int) -> dict:
    step_tol, traj_tol = TOLERANCES[r.spec.dtype]
    return {
        "task": task.name,
        "impl": r.impl,
        "reference": "scratch",
        "dtype": r.spec.dtype,
        "config": config.name,
        "optimizer": r.spec.optimizer,
        "convention": r.spec.convention,
        "batch_size": batch_rows(r.spec, n_samples),
        "steps": r.steps,
        "status": r.status,
        "note": r.note,
        "loss_max_abs": r.loss_max_abs,
        "loss_max_rel": r.loss_max_rel,
        "loss_step_rel": r.loss_step_rel,
        "weights_max_abs": r.weights_max_abs,
        "weights_max_rel": r.weights_max_rel,
        "one_step_loss_rel": r.one_step_loss,
        "one_step_grad_rel": r.one_step_grads,
        "one_step_weight_rel": r.one_step_weights,
        "resync_rel": r.resync,
        "growth_per_100_steps": r.growth_per_100_steps,
        "max_step_growth": r.max_step_growth,
        "tol_one_step": step_tol,
        "tol_trajectory": traj_tol,
        "seconds": r.seconds,
        "spec": r.spec.to_json(),
    }


JOBS_ENV = "SCRATCHBENCH_CHECK_JOBS"  # worker processes for run_check (default: one per core, at most 4)


def check_workers(n_jobs: int, workers: int | None = None) -> int:
    """How many processes run the comparisons: ``workers``, else ``$SCRATCHBENCH_CHECK_JOBS``,
    else one per core (at most 4); never more than there are comparisons. 1 runs them here."""
    if workers is None:
        env = os.environ.get(JOBS_ENV, "").strip()
        workers = int(env) if env.isdigit() and int(env) > 0 else min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
    return max(1, min(int(workers), n_jobs))


def _init_worker(impls: tuple[str, ...]) -> None:
    """A worker: one BLAS/framework thread each (the workers share the cores; pinning
    imports each framework, once, for all the comparisons this worker takes)."""
    from reference_impls import pin_threads

    pin_threads(1, impls)


def _compare_job(spec, impl: str, X: np.ndarray, y: np.ndarray, steps: int) -> Comparison:
    return compare(spec, impl, X, y, steps)


def run_check(
    tasks: Iterable[Task], impls: Iterable[str], configs: Iterable[CheckConfig], steps: int, dtype: str = "float64",
    seed: int = 0, progress=None, workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare every (task, config, impl); returns the ``equivalence`` and ``deviation`` tables.

    The comparisons are independent; with more than one worker (``check_workers``) they run
    in that many processes, each importing the frameworks once and pinned to one thread,
    and the tables come back in the same order as a serial run's."""
    if dtype not in TOLERANCES:
        raise SpecError(f"dtype must be float64 or float32, got {dtype!r}")
    if steps < 1:
        raise SpecError(f"--steps must be at least 1, got {steps}")
    tasks, impls, configs = list(tasks), list(impls), list(configs)
    data_of = {task.name: task.data(seed) for task in tasks}  # drawn once per task
    jobs = [(t, c, i, t.spec.replace(dtype=dtype, seed=seed, **c.spec_changes(t))) for t in tasks for c in configs for i in impls]
    results: list[Comparison | None] = [None] * len(jobs)
    # Workers import reference_impls.equivalence afresh: a compare patched here (a test
    # doctoring results) would not reach them, so it runs in this process.
    patched = compare is not _equivalence.compare
    n_workers = 1 if patched else check_workers(len(jobs), workers)
    if n_workers == 1:
        for n, (task, config, impl, spec) in enumerate(jobs):
            if progress:
                progress(n, len(jobs), f"{task.name} {config.name} {impl}")
            data = data_of[task.name]
            results[n] = compare(spec, impl, data.X_train, data.y_train, steps)
    else:
        import multiprocessing

        # spawn: a fresh interpreter per worker (forking a process that holds TensorFlow or
        # torch threads is unsafe); the slowest comparisons (most rows) are handed out first.
        order = sorted(range(len(jobs)), key=lambda n: -len(data_of[jobs[n][0].name].X_train) * (jobs[n][1].minibatch + 1))
        with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                                 initargs=(tuple(dict.fromkeys(impls)),)) as pool:
            pending = {}
            for n in order:
                task, config, impl, spec = jobs[n]
                data = data_of[task.name]
                pending[pool.submit(_compare_job, spec, impl, data.X_train, data.y_train, steps)] = n
            done_count = 0
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    n = pending.pop(future)
                    results[n] = future.result()
                    done_count += 1
                    if progress:
                        task, config, impl, _ = jobs[n]
                        progress(done_count, len(jobs), f"{task.name} {config.name} {impl}")
    rows, curves = [], []
    for (task, config, impl, _), r in zip(jobs, results):
        rows.append(_row(task, config, r, len(data_of[task.name].X_train)))
        curves += [
            {"task": task.name, "impl": impl, "dtype": dtype, "config": config.name, "step": k, "loss_rel_deviation": d}
            for k, d in r.deviation_curve
        ]
    return pd.DataFrame(rows), pd.DataFrame(curves, columns=["task", "impl", "dtype", "config", "step", "loss_rel_deviation"])


def environment(impls: Iterable[str]) -> dict[str, str]:
    """What changes the numbers: the software record of the scratch network and of the
    frameworks compared (each adapter's own settings as it ran), no other framework."""
    from .environment import software

    return software(tuple(dict.fromkeys(["scratch", *impls])))


def summary_lines(table: pd.DataFrame) -> list[str]:
    counts = table["status"].value_counts().to_dict()
    parts = [f"{counts.get(s, 0)} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if counts.get(s)]
    return [", ".join(parts) + f" ({len(table)} comparisons)"]


def print_table(table: pd.DataFrame, console=None) -> None:
    """The readable summary: one line per comparison, worst deviations, status."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=160)
    colour = {"pass": "green", "amplified": "yellow", "fail": "bold red", "error": "bold red", "not expressible": "dim"}
    t = Table(title=f"Equivalence with the scratch network ({table['dtype'].iloc[0]}, {table['steps'].iloc[0]} steps)")
    numeric = ("one step", "loss vs max", "loss per step", "weights", "re-sync", "growth/100")
    for col in ("task", "config", "impl", *numeric, "status"):
        t.add_column(col, justify="right" if col in numeric else "left")

    def fmt(x: float) -> str:
        return "" if not np.isfinite(x) else f"{x:.1e}"

    for r in table.itertuples():
        one = max(r.one_step_loss_rel, r.one_step_grad_rel, r.one_step_weight_rel)
        status = f"[{colour[r.status]}]{r.status}[/]" + (f"[dim]: {r.note}[/]" if r.note else "")
        growth = "" if not np.isfinite(r.growth_per_100_steps) else f"x{r.growth_per_100_steps:.3g}"
        t.add_row(r.task, r.config, r.impl, fmt(one), fmt(r.loss_max_rel), fmt(r.loss_step_rel), fmt(r.weights_max_rel), fmt(r.resync_rel),
                  growth, status)
    console.print(t)
    step_tol, traj_tol = table["tol_one_step"].iloc[0], table["tol_trajectory"].iloc[0]
    console.print(
        f"Deviations are max |a - b| / max |b| per tensor; the loss also per step, |a - b| / max(|a|, |b|) at each step, which is judged. "
        f"Pass: one step <= {step_tol:g} and loss per step and weights <= {traj_tol:g}. "
        "'amplified': the one-step check agrees and the drift grows gradually: the dynamics amplify round-off (growth per 100 steps shown)."
    )
    console.print("Summary: " + summary_lines(table)[0])
