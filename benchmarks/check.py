"""``scratchbench check``: the scratch network against every framework, step by step.

For each task, configuration (optimizer x batching) and implementation, the scratch twin
and the framework train from the same weights; ``reference_impls.equivalence`` measures
the deviations. Results: the ``equivalence`` table (one row per comparison) and the
``deviation`` table (the loss deviation's growth, for plots).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from reference_impls.equivalence import TOLERANCES, Comparison, compare
from reference_impls.spec import SpecError

from .config import parse_impls
from .tasks import Task

# Learning rates where each task trains stably (so round-off is not amplified).
STABLE_LR = {
    # task kind: (sgd, sgd with momentum 0.9, adam, rmsprop, adagrad)
    "gate": (0.5, 0.05, 0.01, 0.002, 0.1),
    "spiral": (0.3, 0.03, 0.005, 0.001, 0.1),
}


@dataclass(frozen=True)
class Config:
    """One column of the equivalence matrix: optimizer settings and batching."""

    name: str
    optimizer: dict
    minibatch: bool

    def spec_changes(self, task: Task) -> dict:
        lrs = STABLE_LR["gate" if "gate" in task.tags else "spiral"]
        changes = {k: (lrs[v] if k == "lr" else v) for k, v in self.optimizer.items()}
        if self.minibatch:
            changes.update(batch_size=task.check_batch_size, shuffle=True)
        else:
            changes.update(batch_size=None, shuffle=False)
        return changes


_OPTIMIZERS = {
    "sgd": dict(optimizer="sgd", lr=0, momentum=0.0, nesterov=False),
    "momentum": dict(optimizer="sgd", lr=1, momentum=0.9, nesterov=False),
    "nesterov": dict(optimizer="sgd", lr=1, momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam", lr=2, beta1=0.9, beta2=0.999, eps=1e-7),
    "rmsprop": dict(optimizer="rmsprop", lr=3, rho=0.9, eps=1e-7, momentum=0.0),
    "adagrad": dict(optimizer="adagrad", lr=4, eps=1e-7, initial_accumulator=0.1),
}
CONFIGS: dict[str, Config] = {
    f"{opt}-{batch}": Config(f"{opt}-{batch}", settings, batch == "minibatch")
    for opt, settings in _OPTIMIZERS.items()
    for batch in ("full", "minibatch")
}
DEFAULT_CONFIGS = [c for c in CONFIGS if not c.startswith("adagrad")]


def parse_configs(text: str) -> list[Config]:
    names = list(CONFIGS) if text == "all" else [c.strip() for c in text.split(",") if c.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names:
        raise SpecError(f"unknown config(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(CONFIGS)} (or 'all')")
    return [CONFIGS[n] for n in names]


def check_impls(text: str) -> list[str]:
    """The frameworks to compare with scratch: ``all`` means every one but scratch itself."""
    names = list(parse_impls(text))
    return [n for n in names if n != "scratch"] if text.strip() == "all" else names


def _row(task: Task, config: Config, r: Comparison, n_samples: int) -> dict:
    step_tol, traj_tol = TOLERANCES[r.spec.dtype]
    return {
        "task": task.name,
        "impl": r.impl,
        "reference": "scratch",
        "dtype": r.spec.dtype,
        "config": config.name,
        "optimizer": r.spec.optimizer,
        "convention": r.spec.convention,
        "batch_size": n_samples if r.spec.batch_size is None else min(r.spec.batch_size, n_samples),
        "steps": r.steps,
        "status": r.status,
        "note": r.note,
        "loss_max_abs": r.loss_max_abs,
        "loss_max_rel": r.loss_max_rel,
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


def run_check(
    tasks: Iterable[Task], impls: Iterable[str], configs: Iterable[Config], steps: int, dtype: str = "float64",
    seed: int = 0, progress=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare every (task, config, impl); returns the ``equivalence`` and ``deviation`` tables."""
    if dtype not in TOLERANCES:
        raise SpecError(f"dtype must be float64 or float32, got {dtype!r}")
    if steps < 1:
        raise SpecError(f"--steps must be at least 1, got {steps}")
    rows, curves = [], []
    tasks = list(tasks)
    data_of = {task.name: task.data(seed) for task in tasks}  # drawn once per task
    jobs = [(t, c, i) for t in tasks for c in configs for i in impls]
    for n, (task, config, impl) in enumerate(jobs):
        data = data_of[task.name]
        spec = task.spec.replace(dtype=dtype, seed=seed, **config.spec_changes(task))
        if progress:
            progress(n, len(jobs), f"{task.name} {config.name} {impl}")
        r = compare(spec, impl, data.X_train, data.y_train, steps)
        rows.append(_row(task, config, r, len(data.X_train)))
        curves += [
            {"task": task.name, "impl": impl, "dtype": dtype, "config": config.name, "step": k, "loss_rel_deviation": d}
            for k, d in r.deviation_curve
        ]
    return pd.DataFrame(rows), pd.DataFrame(curves, columns=["task", "impl", "dtype", "config", "step", "loss_rel_deviation"])


def environment() -> dict[str, str]:
    """What changes the numbers: the sweep's software record (``environment.software``),
    with the Keras settings as the Keras adapter actually ran them."""
    from reference_impls.keras_impl import environment as keras_env

    from .environment import software

    return {**software(), **keras_env()}


def write_tables(out: str, tables: dict[str, pd.DataFrame], environment_info: dict) -> list[str]:
    """Write each table as Parquet and CSV, atomically, plus ``environment.json``."""
    from .io import atomic_write_json, atomic_write_table

    os.makedirs(out, exist_ok=True)
    paths = []
    for name, df in tables.items():
        paths += atomic_write_table(df, os.path.join(out, name))
    paths.append(atomic_write_json(os.path.join(out, "check_environment.json"), environment_info))
    return paths


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
    for col in ("task", "config", "impl", "one step", "loss traj.", "weights", "re-sync", "growth/100", "status"):
        t.add_column(col, justify="right" if col in ("one step", "loss traj.", "weights", "re-sync", "growth/100") else "left")

    def fmt(x: float) -> str:
        return "" if not np.isfinite(x) else f"{x:.1e}"

    for r in table.itertuples():
        one = max(r.one_step_loss_rel, r.one_step_grad_rel, r.one_step_weight_rel)
        status = f"[{colour[r.status]}]{r.status}[/]" + (f"[dim]: {r.note}[/]" if r.note else "")
        growth = "" if not np.isfinite(r.growth_per_100_steps) else f"x{r.growth_per_100_steps:.3g}"
        t.add_row(r.task, r.config, r.impl, fmt(one), fmt(r.loss_max_rel), fmt(r.weights_max_rel), fmt(r.resync_rel), growth, status)
    console.print(t)
    step_tol, traj_tol = table["tol_one_step"].iloc[0], table["tol_trajectory"].iloc[0]
    console.print(
        f"Deviations are max |a - b| / max |b| per tensor. Pass: one step <= {step_tol:g} and trajectory <= {traj_tol:g}. "
        "'amplified': the one-step check agrees and the drift grows gradually: the dynamics amplify round-off (growth per 100 steps shown)."
    )
    console.print("Summary: " + summary_lines(table)[0])
