"""``scratchbench check``: the scratch network against every framework, step by step.

For each task, configuration (optimizer x batching) and implementation, the scratch twin
and the framework train from the same weights; ``reference_impls.equivalence`` measures
the deviations. Results: the ``equivalence`` table (one row per comparison) and the
``deviation`` table (the loss deviation's growth, for plots).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reference_impls import FRAMEWORKS, REFERENCE
from reference_impls import equivalence as _equivalence
from reference_impls.equivalence import TOLERANCES, Comparison, compare, native_spec
from reference_impls.spec import SpecError

from ..tasks import Task
from .config import parse_impls
from .display import CheckTables
from .jobs import batch_rows, device_for, require_device


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
        raise SpecError(
            f"unknown config(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(CONFIGS)} (or 'all')"
        )
    return [CONFIGS[n] for n in names]


def check_impls(text: str) -> list[str]:
    """The frameworks to compare with the reference: ``all`` means every one but the reference itself."""
    return list(FRAMEWORKS) if text.strip() == "all" else list(parse_impls(text))


def _row(task: Task, config: CheckConfig, r: Comparison, n_samples: int) -> dict:
    step_tol, traj_tol = TOLERANCES[r.spec.dtype]
    return {
        "task": task.name,
        "impl": r.impl,
        "device": r.device,
        "reference": REFERENCE,
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
        workers = (
            int(env)
            if env.isdigit() and int(env) > 0
            else min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
        )
    return max(1, min(int(workers), n_jobs))


_pinned: set[str] = set()  # what this process has pinned: "blas", and frameworks


def _pin(impls: tuple[str, ...]) -> None:
    """One BLAS/framework thread per worker (the workers share the cores); pinning imports
    each framework, once per process, for every group this process takes."""
    from reference_impls import pin_threads

    missing = [i for i in ("blas", *impls) if i not in _pinned]
    if missing:
        pin_threads(1, [i for i in missing if i != "blas"])
        _pinned.update(missing)


@dataclass(frozen=True)
class Group:
    """The comparisons of one (task, config): every framework against scratch on the same
    data. The scratch twin's run is shared by the frameworks whose spec gives it the same
    numbers (the same native spec, its optimizer convention included; ``twin_key``), so a
    group trains two twins (Keras's and scikit-learn's convention, PyTorch's), or one for
    plain SGD, instead of one per framework."""

    index: int
    specs: tuple  # (impl, spec) pairs, in the table's order
    X: np.ndarray
    y: np.ndarray
    steps: int
    device: str = "cpu"  # where the frameworks run (scratch and scikit-learn: the CPU)

    @property
    def cost(self) -> int:
        """Rows per step, the order in which groups are handed out (largest first)."""
        batch = self.specs[0][1].batch_size if self.specs else 0
        return len(self.X) if batch is None else min(batch, len(self.X))


def twin_key(spec):
    """Native specs whose scratch twins compute the very same numbers share one twin: the
    convention picks an optimizer's form, and plain SGD (no momentum) has a single form."""
    return spec.replace(convention="pytorch") if spec.optimizer == "sgd" and not spec.momentum else spec


def compare_group(group: Group, pin: tuple[str, ...] = ()) -> list[Comparison]:
    """Every comparison of ``group``, in order (in a worker: ``pin`` its frameworks first)."""
    if pin:
        _pin(pin)
    twins: dict = {}

    def twin_of(spec):
        key = twin_key(spec)

        def twin():
            if key not in twins:
                twins[key] = _equivalence.reference(spec, group.X, group.y, group.steps)
            return twins[key]

        return twin

    return [
        compare(
            spec,
            impl,
            group.X,
            group.y,
            group.steps,
            twin=twin_of(native_spec(spec, impl)),
            device=device_for(impl, group.device),
        )
        for impl, spec in group.specs
    ]


def _error_group(group: Group, reason: str) -> list[Comparison]:
    """A group whose worker could not finish it: every comparison recorded as an error."""
    return [
        Comparison(impl, native_spec(spec, impl), group.steps, status="error", note=reason)
        for impl, spec in group.specs
    ]


def _local_groups(
    groups: list[Group], n_workers: int, pin: tuple[str, ...]
) -> Iterator[tuple[Group, list[Comparison]]]:
    if n_workers == 1:
        for group in groups:
            yield group, compare_group(group)
        return
    import multiprocessing

    # spawn: a fresh interpreter per worker (forking a process that holds TensorFlow or
    # torch threads is unsafe); each worker lives for the whole check and keeps its imports.
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {pool.submit(compare_group, group, pin): group for group in groups}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield pending.pop(future), future.result()


def _dask_groups(
    groups: list[Group], scheduler: str | None, n_workers: int, pin: tuple[str, ...]
) -> Iterator[tuple[Group, list[Comparison]]]:
    import uuid
    from functools import partial

    from .cluster import client, dask_map

    run = uuid.uuid4().hex[:12]  # task keys unique to this check, should others share the scheduler
    with client(scheduler, n_workers) as c:
        yield from dask_map(
            c,
            partial(_tagged, pin=pin),
            groups,
            lambda group, reason: (group, _error_group(group, reason)),
            key=lambda group: f"scratchbench-check-{run}-{group.index}",
        )


def _tagged(group: Group, pin: tuple[str, ...]) -> tuple[Group, list[Comparison]]:
    return group, compare_group(group, pin)


def run_check(
    tasks: Iterable[Task],
    impls: Iterable[str],
    configs: Iterable[CheckConfig],
    steps: int,
    dtype: str = "float64",
    seed: int = 0,
    progress=None,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    device: str = "cpu",
) -> CheckTables:
    """Compare every (task, config, impl); returns the ``equivalence`` and ``deviation`` tables
    (a named tuple that shows itself in Jupyter).

    The comparisons of one (task, config) form a ``Group`` sharing its scratch twins. With
    more than one worker (``check_workers``) the groups run in that many long-lived
    processes, each importing the frameworks once and pinned to one thread;
    ``backend="dask"`` runs them on the Dask cluster at ``scheduler`` (or on a local
    cluster of ``workers`` processes). The tables come back in a serial run's order."""
    if dtype not in TOLERANCES:
        raise SpecError(f"dtype must be float64 or float32, got {dtype!r}")
    if steps < 1:
        raise SpecError(f"--steps must be at least 1, got {steps}")
    if backend not in ("local", "dask"):
        raise SpecError(f"unknown backend {backend!r}; choose local or dask")
    if scheduler and backend != "dask":
        raise SpecError("--scheduler needs --backend dask")
    tasks, impls, configs = list(tasks), list(impls), list(configs)
    require_device(impls, device)
    data_of = {task.name: task.data(seed) for task in tasks}  # drawn once per task
    cells = [(t, c) for t in tasks for c in configs]
    groups = [
        Group(
            n,
            tuple((i, t.spec.replace(dtype=dtype, seed=seed, **c.spec_changes(t))) for i in impls),
            data_of[t.name].X_train,
            data_of[t.name].y_train,
            int(steps),
            device,
        )
        for n, (t, c) in enumerate(cells)
    ]
    results: list[list[Comparison] | None] = [None] * len(groups)
    n_jobs = len(groups) * max(len(impls), 1)
    pin = tuple(dict.fromkeys(impls))
    # Workers import reference_impls.equivalence afresh: a compare patched here (a test
    # doctoring results) would not reach them, so it runs in this process.
    patched = compare is not _equivalence.compare
    by_cost = sorted(groups, key=lambda g: -g.cost)  # the slowest handed out first
    if backend == "dask":
        finished = _dask_groups(by_cost, scheduler, check_workers(len(groups), workers), pin)
    else:
        finished = _local_groups(
            groups if patched else by_cost, 1 if patched else check_workers(len(groups), workers), pin
        )
    done = 0
    for group, comparisons in finished:
        results[group.index] = comparisons
        done += len(comparisons)
        if progress:
            task, config = cells[group.index]
            progress(done, n_jobs, f"{task.name} {config.name}")
    rows, curves = [], []
    for (task, config), comparisons in zip(cells, results):
        for r in comparisons:
            rows.append(_row(task, config, r, len(data_of[task.name].X_train)))
            curves += [
                {
                    "task": task.name,
                    "impl": r.impl,
                    "dtype": dtype,
                    "config": config.name,
                    "step": k,
                    "loss_rel_deviation": d,
                }
                for k, d in r.deviation_curve
            ]
    return CheckTables(
        pd.DataFrame(rows),
        pd.DataFrame(curves, columns=["task", "impl", "dtype", "config", "step", "loss_rel_deviation"]),
    )


def environment(impls: Iterable[str]) -> dict[str, str]:
    """What changes the numbers: the software record of the scratch network and of the
    frameworks compared (each adapter's own settings as it ran), no other framework."""
    from .environment import software

    return software(tuple(dict.fromkeys([REFERENCE, *impls])))


def summary_lines(table: pd.DataFrame) -> list[str]:
    counts = table["status"].value_counts().to_dict()
    parts = [
        f"{counts.get(s, 0)} {s}" for s in ("pass", "amplified", "fail", "error", "not expressible") if counts.get(s)
    ]
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
        t.add_row(
            r.task,
            r.config,
            r.impl,
            fmt(one),
            fmt(r.loss_max_rel),
            fmt(r.loss_step_rel),
            fmt(r.weights_max_rel),
            fmt(r.resync_rel),
            growth,
            status,
        )
    console.print(t)
    step_tol, traj_tol = table["tol_one_step"].iloc[0], table["tol_trajectory"].iloc[0]
    console.print(
        "Deviations are max |a - b| / max |b| per tensor; the loss also per step, |a - b| / max(|a|, |b|) at each "
        "step, which is judged. "
        f"Pass: one step <= {step_tol:g} and loss per step and weights <= {traj_tol:g}. "
        "'amplified': the one-step check agrees and the drift grows gradually: the dynamics amplify round-off "
        "(growth per 100 steps shown)."
    )
    console.print("Summary: " + summary_lines(table)[0])
