"""The sweep: tasks x implementations x seeds, each finished run handed at once to the
results store, so an interrupted (Ctrl-C, SIGTERM) or killed sweep loses only the runs in
progress and ``--resume`` finishes it with the same tables as an uninterrupted sweep."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from reference_impls import REFERENCE, NotExpressible, build, facts, pin_threads
from reference_impls.spec import SpecError

from ..results.schema import ENV_PREFIX
from ..results.store import ResultsStore, environment_id, fingerprint, tables_from_records, with_dtypes
from .config import SweepConfig
from .environment import software, start_import_timing
from .execute import execute
from .jobs import Job, make_jobs, require_device
from .summary import summarize
from .workers import parallel_map, usable_cores

Progress = Callable[[int, int, str], None]


@dataclass
class Results:
    """A sweep's tables (columns: ``benchmarks.results.schema``) and how it ended."""

    runs: pd.DataFrame
    curves: pd.DataFrame
    summary: pd.DataFrame
    complete: bool = True
    moved_aside: list[str] = field(default_factory=list)  # corrupt records moved to records/corrupt/
    confusion: pd.DataFrame = field(default_factory=pd.DataFrame)  # test confusion matrices, long
    environment: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per runs.env_id

    def _repr_html_(self) -> str:
        """Jupyter's rich display: how the sweep ended, final accuracy per (task, impl), the summary."""
        from .display import sweep_html

        return sweep_html(self)


def _results(tables: dict[str, pd.DataFrame], complete: bool = True, moved: list[str] | None = None) -> Results:
    return Results(
        tables["runs"],
        tables["curves"],
        tables["summary"],
        complete,
        moved or [],
        tables["confusion"],
        tables["environment"],
    )


def config_key(config: SweepConfig) -> dict[str, Any]:
    """The configuration as plain data: what a folder's fingerprint is computed from."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(config).items()}


def _iterate(jobs: list[Job], parallel: int, cluster=None) -> Iterator[dict]:
    if cluster is not None:
        from .cluster import dask_map
        from .execute import failed

        yield from dask_map(cluster, execute, jobs, failed)
        return
    if parallel <= 1:
        for job in jobs:
            yield execute(job)
        return
    yield from parallel_map(execute, jobs, parallel)


def check_tasks(config: SweepConfig) -> None:
    """Draw each task's data once (first seed) and check it against the task's spec, as
    training would, before the first run: a bad MNIST file, labels beyond the outputs or
    an empty data set is one ``SpecError`` line now, not every run recorded ``failed``."""
    for plan in config.plans():
        name = plan.task.name
        try:
            model = build(REFERENCE, plan.spec.replace(seed=config.seeds[0]))  # its check_data is every adapter's
        except NotExpressible:
            continue  # nothing to check the data with here; the runs themselves will
        try:
            data = plan.task.data(config.seeds[0])
            for part, X, y in (("training", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
                try:
                    model.check_data(X, y)
                except SpecError as exc:
                    raise SpecError(
                        f"task {name}'s {part} data does not fit its spec: {exc}; "
                        f"fix the data or [task.{name}.spec] (sizes {plan.spec.sizes}, loss {plan.spec.loss})"
                    ) from None
        except SpecError:
            raise
        except (ValueError, TypeError, ArithmeticError) as exc:  # a data generator refusing its parameters
            raise SpecError(
                f"task {name} cannot draw its data with {plan.task.params}: {exc}; change [task.{name}]"
            ) from None


def effective_jobs(asked: int, pending: int, notify: Callable[[str], None]) -> int:
    """Worker processes worth starting: no more than the runs left to do or the cores to
    run them on (each worker is a full interpreter with the frameworks, hundreds of MB);
    says so when that is fewer than asked."""
    cores = usable_cores()
    jobs = max(1, min(asked, pending, cores))
    if jobs < asked:
        notify(f"--jobs {asked} capped at {jobs}: {pending} run(s) to do, {cores} core(s) to run them on")
    return jobs


def run_sweep(
    config: SweepConfig,
    out: str | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
    argv: list[str] | None = None,
    notify: Callable[[str], None] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    device: str = "cpu",
    grid: str = "",
) -> Results:
    """Run every (task, impl, seed) of ``config``; returns the tables. With ``out``, each
    run is recorded there as it finishes and the tables (rebuilt from every record in the
    folder) and ``manifest.json`` are written at the end, however the sweep ends.

    ``resume`` continues the sweep recorded in ``out`` (same configuration only), rerunning
    failed runs; ``overwrite`` replaces it. ``notify`` receives one-line notices (corrupt
    records moved aside). ``backend="dask"`` executes the runs on the Dask cluster at
    ``scheduler`` (or on a local cluster of ``jobs`` workers started for the sweep); the
    records still come back here and only this process writes ``out``. ``grid`` names
    where the configuration came from (``quick``, ``full``, ``config FILE``) for the
    manifest, so the report can say which sweep it shows."""
    if resume and overwrite:
        raise SpecError(
            "--resume and --overwrite contradict each other: --resume keeps the recorded runs, --overwrite deletes "
            "them; choose one"
        )
    if jobs < 1:
        raise SpecError(f"--jobs must be at least 1, got {jobs}")
    check_tasks(config)  # before any worker starts
    require_device(config.impls, device)
    if backend not in ("local", "dask"):
        raise SpecError(f"unknown backend {backend!r}; choose local or dask")
    if scheduler and backend != "dask":
        raise SpecError("--scheduler needs --backend dask")
    if backend == "dask":
        from .cluster import client, n_workers

        with client(scheduler, jobs) as c:
            return _sweep(config, out, resume, overwrite, n_workers(c), progress, argv, notify, c, device, grid)
    return _sweep(config, out, resume, overwrite, jobs, progress, argv, notify, None, device, grid)


def _sweep(
    config: SweepConfig,
    out: str | None,
    resume: bool,
    overwrite: bool,
    jobs: int,
    progress: Progress | None,
    argv: list[str] | None,
    notify: Callable[[str], None] | None,
    cluster,
    device: str = "cpu",
    grid: str = "",
) -> Results:
    notify = notify or (lambda line: print(line, file=sys.stderr))
    # The fresh-interpreter import timings run beside this process's own (untimed) imports.
    imports_timed = start_import_timing(tuple(config.impls)) if cluster is None and jobs <= 1 else (lambda: None)
    job_list = make_jobs(config, jobs, device)
    imports_timed()
    if not out:
        jobs = jobs if cluster is not None else effective_jobs(jobs, len(job_list), notify)
        job_list = [dataclasses.replace(j, parallel_jobs=jobs) for j in job_list]
        if jobs <= 1 and cluster is None:
            pin_threads(config.threads, tuple(config.impls))
        records = {}
        for i, rec in enumerate(_iterate(job_list, jobs, cluster)):
            records[rec["run"]["run_id"]] = _record(rec, config, {j.run_id: k for k, j in enumerate(job_list)})
            _tell(progress, i + 1, len(job_list), rec)
        tables = tables_from_records(records.values())
        return _results({**tables, "summary": with_dtypes(summarize(tables["runs"]), "summary")})
    store = ResultsStore(out)
    with store.lock():
        kept, moved = _open_folder(store, config, resume, overwrite)
        for path in moved:
            notify(f"moved unreadable record {path} aside; its run is done again")
        if cluster is None:
            jobs = effective_jobs(jobs, sum(j.run_id not in kept for j in job_list), notify)
        job_list = [dataclasses.replace(j, parallel_jobs=jobs) for j in job_list]
        if jobs <= 1 and cluster is None:
            pin_threads(config.threads, tuple(config.impls))
        return _run_into(store, config, job_list, kept, jobs, progress, argv, moved, cluster, grid)


def _open_folder(
    store: ResultsStore, config: SweepConfig, resume: bool, overwrite: bool
) -> tuple[dict[str, dict], list[str]]:
    """Check the folder may take this sweep; returns the records to keep and the corrupt
    records moved aside. Refuses, changing nothing, when it may not."""
    held = store.contents()
    if held and not (resume or overwrite):
        raise SpecError(
            f"{store.folder} already holds {', '.join(held)}; add --resume to continue that sweep, --overwrite to "
            "replace it, or choose another --out"
        )
    if overwrite:
        store.clear()
        return {}, []
    if not resume:
        return {}, []
    store.check_config(config_key(config))
    lost = store.missing_records()
    if lost:
        raise SpecError(
            f"{store.folder / 'runs.parquet'} lists {len(lost)} run(s) with no record in {store.records_dir}/ "
            "(deleted?); --resume would drop them: restore the records, or start again with --overwrite"
        )
    moved = [str(p) for p in store.move_corrupt_aside()]
    kept = {
        rid: rec for rid, rec in store.read_records().items() if rec["run"].get("status") != "failed"
    }  # failed: try again
    return kept, moved


def _record(rec: dict, config: SweepConfig, order: dict[str, int]) -> dict:
    """An ``execute`` result as a stored record: its environment (this process's software
    and machine; the run keeps the join key ``env_id``), the test confusion matrix, sweep
    order and fingerprint."""
    run = rec["run"]
    environment = {ENV_PREFIX + k: v for k, v in software(tuple(config.impls)).items()}
    run["env_id"] = environment_id(environment)
    return {
        "run": run,
        "curves": rec["curves"],
        "confusion": rec.get("confusion"),
        "environment": environment,
        "order": order[run["run_id"]],
        "fingerprint": fingerprint(config_key(config)),
    }


def _tell(progress: Progress | None, i: int, n: int, rec: dict) -> None:
    if progress:
        run = rec["run"]
        progress(i, n, f"{run['task']} {run['impl']} seed {run['seed']}")


def _run_into(
    store: ResultsStore,
    config: SweepConfig,
    job_list: list[Job],
    kept: dict[str, dict],
    jobs: int,
    progress: Progress | None,
    argv: list[str] | None,
    moved: list[str],
    cluster=None,
    grid: str = "",
) -> Results:
    order = {j.run_id: k for k, j in enumerate(job_list)}
    pending = [j for j in job_list if j.run_id not in kept]
    manifest = {**_manifest(config, job_list, jobs, argv), "grid": grid or "python API"}
    store.write_manifest({**manifest, "complete": False, "runs_recorded": len(kept)})  # a killed sweep keeps its config
    complete = False
    try:
        for i, rec in enumerate(_iterate(pending, jobs, cluster)):
            boundary = rec.pop("boundary", None)
            if boundary is not None:  # before the record: a record implies its boundary
                store.write_boundary(rec["run"]["run_id"], boundary)
            store.write_record(_record(rec, config, order))
            _tell(progress, len(job_list) - len(pending) + i + 1, len(job_list), rec)
        complete = True
    finally:
        tables = store.rebuild_tables(summarize)
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        store.write_manifest(
            {**manifest, "complete": complete, "runs_recorded": len(tables["runs"]), "finished": finished}
        )
    return _results(tables, complete, moved)


def _manifest(config: SweepConfig, job_list: list[Job], jobs: int, argv: list[str] | None) -> dict[str, Any]:
    key = config_key(config)
    return {
        "runs_planned": len(job_list),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(argv if argv is not None else sys.argv),
        "config": key,
        "fingerprint": fingerprint(key),
        "parallel_jobs": jobs,
        "software": software(tuple(config.impls)),
        "frameworks": {impl: facts(impl) for impl in config.impls},
        "tasks": {
            p.task.name: {"params": p.task.params, "epochs": p.epochs, "spec": p.spec.to_dict()} for p in config.plans()
        },
    }
