"""``scratchbench validate 'subs/*.py:network'``: a class's submissions, each judged in its
own sandbox (``reference_impls.validation.sandbox``), one row each in the ``submissions``
table: pass, fail or error, the first divergence and the named cause. One submission's
exit, crash or hang ends only its own child process, never the batch.

With ``jobs > 1`` submissions are judged side by side in worker processes, each importing
the frameworks once for all the submissions it judges, each framework pinned to one thread.
"""

from __future__ import annotations

import glob
import math
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from reference_impls import pin_threads
from reference_impls.validation.sandbox import Limits
from reference_impls.validation.verdict import UserCodeFailed, exit_code

from .validate import LoadError, run_validation

STATUS = {0: "pass", 1: "fail"}  # every other exit status is an error
COLUMNS = ["submission", "status", "step", "phase", "tensor", "cause", "seconds"]
DEFAULT_NAME = "network"
SOURCES = (".py", ".ipynb")  # what a submission may be: a Python file or a Jupyter notebook


def expand(target: str) -> list[str] | None:
    """The submissions a batch target names (``subs/*.py:NAME``, ``subs/*.ipynb:NAME``,
    ``subs/`` or ``subs:NAME``: Python files and notebooks; NAME defaults to ``network``),
    sorted; None when ``target`` names one file."""
    file, _, name = target.rpartition(":") if ":" in target else (target, "", "")
    is_glob = any(c in file for c in "*?[")
    if not is_glob and not Path(file).is_dir():
        return None
    files = sorted(glob.glob(file)) if is_glob else sorted(str(p) for p in Path(file).glob("*"))
    files = [f for f in files if f.endswith(SOURCES) and Path(f).is_file()]
    if not files:
        raise LoadError(f"no Python files match {file} (submissions are .py files or .ipynb notebooks)")
    return [f"{f}:{name or DEFAULT_NAME}" for f in files]


def judge(
    target: str,
    task: str,
    steps: int,
    against: list[str],
    seed: int,
    spec_file: str | None,
    tolerance: float | None,
    limits: Limits,
) -> dict[str, Any]:
    """One submission's row: anything short of a verdict (it did not load, raised, exited...) is an error row."""
    t0 = time.monotonic()
    row: dict[str, Any] = dict(submission=target, status="error", step=None, phase=None, tensor=None, cause="")
    try:
        result = run_validation(
            target, task, steps, against, seed=seed, spec_file=spec_file, tolerance=tolerance, limits=limits
        )
    except (
        UserCodeFailed,
        ValueError,
        OSError,
    ) as exc:  # did not load or set up; SpecError and LoadError are ValueErrors
        row["cause"] = str(exc)
    else:
        row["status"] = STATUS.get(exit_code(result), "error")
        d = result.first_divergence
        if d is not None:
            row.update(step=d.step, phase=d.phase, tensor=d.tensor)
        if not result.ok:
            row["cause"] = (
                result.failure.message if result.failure else result.error or next(iter(result.diagnosis), "")
            )
    row["seconds"] = time.monotonic() - t0
    return row


def run_batch(
    targets: list[str],
    jobs: int,
    report: Callable[[dict], None] = lambda row: None,
    done: pd.DataFrame | None = None,
    save: Callable[[pd.DataFrame], Any] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Every target judged (``judge``'s keyword arguments in ``kwargs``), ``report`` called
    with each row as it finishes and ``save`` with the table so far; the rows of ``done`` (an
    earlier table: ``--resume``) are kept, not judged again. ``backend="dask"`` judges them on
    the cluster at ``scheduler`` (or a local one of ``jobs`` workers), as sweeps run; the rows
    come back here, so the table is written as locally. The table in the targets' order."""
    rows = (
        {} if done is None else {r["submission"]: r for r in done.to_dict("records") if r["submission"] in set(targets)}
    )
    todo = [t for t in targets if t not in rows]
    for row in (
        _dask_rows(todo, jobs, scheduler, report, kwargs) if backend == "dask" else _rows(todo, jobs, report, kwargs)
    ):
        rows[row["submission"]] = row
        if save is not None:  # an interrupted batch resumes from here
            save(_table(rows, targets))
    return _table(rows, targets)


def _table(rows: dict[str, dict], targets: list[str]) -> pd.DataFrame:
    return pd.DataFrame([rows[t] for t in targets if t in rows], columns=COLUMNS)


def _pin(against: list[str]) -> None:
    """One thread per framework in each worker: small networks judged side by side are several
    times faster than with every framework's pool contending for the same cores."""
    pin_threads(1, against)


def _rows(targets: list[str], jobs: int, report: Callable[[dict], None], kwargs: dict) -> Iterator[dict]:
    if jobs <= 1:
        _pin(kwargs["against"])
        for target in targets:
            row = judge(target, **kwargs)
            report(row)
            yield row
        return
    # Workers fork before any framework is imported here; each judges many submissions.
    sys.stdout.flush()  # else a worker leaving prints this process's buffered lines again
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=get_context("fork"), initializer=_pin, initargs=(kwargs["against"],)
    )
    with pool:
        futures = {pool.submit(judge, target, **kwargs): target for target in targets}
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as exc:  # the worker itself died: that submission is an error, the rest go on
                row = dict(
                    submission=futures[future],
                    status="error",
                    cause=f"the judge's worker failed: {exc}",
                    seconds=math.nan,
                )
            report(row)
            yield row


def _judged_pinned(target: str, **kwargs: Any) -> dict:
    _pin(kwargs["against"])
    return judge(target, **kwargs)


def _dask_rows(
    targets: list[str], jobs: int, scheduler: str | None, report: Callable[[dict], None], kwargs: dict
) -> Iterator[dict]:
    import uuid
    from functools import partial

    from .cluster import client, dask_map

    run = uuid.uuid4().hex[:12]  # task keys unique to this batch, should others share the scheduler
    keys = {t: f"scratchbench-validate-{run}-{i}" for i, t in enumerate(targets)}

    def failed(target: str, reason: str) -> dict:
        return dict(submission=target, status="error", cause=f"the judge's worker failed: {reason}", seconds=math.nan)

    with client(scheduler, max(jobs, 1)) as c:
        for row in dask_map(c, partial(_judged_pinned, **kwargs), targets, failed, key=keys.__getitem__):
            report(row)
            yield row


def summary_line(table: pd.DataFrame) -> str:
    counts = table["status"].value_counts()
    return (
        f"{len(table)} submissions: {counts.get('pass', 0)} pass, {counts.get('fail', 0)} fail, "
        f"{counts.get('error', 0)} error"
    )
