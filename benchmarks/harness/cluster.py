"""Runs on a Dask cluster: the same jobs as a local sweep, executed on the cluster's
workers; the records come back to the driver, which alone writes the results folder
through the store, so resume, the folder lock and "no recorded run is ever dropped" hold
as they do locally.

A run whose worker is lost is resubmitted by Dask (``retries``); one that still cannot
finish (its workers keep dying, or it raised) comes back as a ``failed`` record with the
reason, never silently missing. Without a scheduler address, a ``LocalCluster`` of worker
processes is started for the sweep and closed after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from reference_impls.spec import SpecError

RETRIES = 2  # resubmissions of a run whose worker died


@contextlib.contextmanager
def client(address: str | None, workers: int) -> Iterator[object]:
    """A ``distributed.Client`` on ``address``, or on a LocalCluster of ``workers``
    single-threaded worker processes started here and closed on exit."""
    from distributed import Client, LocalCluster

    if address:
        try:
            c = Client(address, timeout="30s", set_as_default=True)
        except OSError as exc:
            raise SpecError(
                f"cannot reach the Dask scheduler at {address}: {exc}; start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS`, or leave --scheduler out for a local cluster"
            ) from None
        with c:
            yield c
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster, set_as_default=True) as c,
    ):
        yield c


def n_workers(c) -> int:
    return max(1, len(c.scheduler_info().get("workers", {})))


def dask_map(
    c,
    function: Callable,
    jobs: list,
    failed: Callable[[object, str], object],
    key: Callable[[object], str] = lambda job: f"scratchbench-run-{job.run_id}",
) -> Iterator:
    """``function(job)`` for every job on the cluster, results as they finish; a job that
    cannot finish yields ``failed(job, reason)``. ``key`` names each job's task (unique)."""
    from distributed import as_completed

    futures = {c.submit(function, job, key=key(job), pure=False, retries=RETRIES): job for job in jobs}
    try:
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # KilledWorker after the retries, or the run raised
                yield failed(futures[future], f"{type(exc).__name__} on the cluster: {exc}")
    finally:
        c.cancel(list(futures))
