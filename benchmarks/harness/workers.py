"""Worker processes that die with their sweep.

``--jobs N`` runs on joblib's loky workers. Loky starts them as children of the sweep's
process and keeps them for reuse; nothing in them notices when that process is gone, so
after a SIGKILL (or a SIGTERM that ends the parent before loky shuts its pool down) they
were reparented to PID 1 and lived on, holding their memory, until loky's idle timeout.
Each worker therefore starts a watchdog thread that ends it as soon as its parent is no
longer the sweep's process."""

from __future__ import annotations

import os
import threading

WATCH_SECONDS = 0.5  # how often a worker looks for its parent (the longest an orphan lives)
ORPHANED_EXIT = 143  # as if terminated: the sweep it worked for is gone


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity, not the machine's total)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def watch_parent(parent_pid: int) -> None:
    """Worker initializer: exit (``os._exit``, no cleanup that could block) once the
    process that started this worker, ``parent_pid``, is gone."""

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(WATCH_SECONDS):
            if os.getppid() != parent_pid:
                os._exit(ORPHANED_EXIT)

    threading.Thread(target=watch, name="scratchbench-parent-watch", daemon=True).start()


def parallel_map(function, items: list, n_jobs: int):
    """``function(item)`` for each item on ``n_jobs`` loky workers, results as they finish
    (any order); every worker watches the calling process and dies with it."""
    from joblib import Parallel, delayed
    from joblib.parallel import LokyBackend

    backend = LokyBackend(initializer=watch_parent, initargs=(os.getpid(),))
    return Parallel(n_jobs=n_jobs, backend=backend, return_as="generator_unordered")(
        delayed(function)(item) for item in items
    )
