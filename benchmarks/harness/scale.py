"""``scratchbench scale``: per-step time and peak memory as the data (N) and the hidden
width grow, for each implementation, with log-log slopes.

Two sweeps on a 10 -> width -> 3 softmax network, full batch: N from 1e3 to 1e5 at width
256, and width from 64 to 1024 at N = 1e4. Every (implementation, size) runs in a fresh process,
so neither frameworks nor sizes share an allocator. Time: median of at least 5 steps
(and 0.3 s) after 2 warm-up steps. Memory: Linux's peak resident set size (``VmHWM``,
reset through ``/proc/self/clear_refs`` once the model is built and the data prepared)
minus the resident size at that moment: what the training steps add on top of the model
and the data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from reference_impls.spec import SpecError

from ..results.schema import SCALE

N_SWEEP = (1_000, 3_000, 10_000, 30_000, 100_000)
WIDTH_SWEEP = (64, 128, 256, 512, 1024)
BASE_N, BASE_WIDTH = 10_000, 256


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(impl: str, n: int, width: int, dtype: str) -> dict:
    """Time and memory of training steps at one size (runs in the worker process)."""
    from reference_impls import ModelSpec, build
    from reference_impls.equivalence import native_spec

    from ..tasks import synthetic

    spec = ModelSpec(
        sizes=(10, width, 3),
        activations=("relu", "softmax"),
        loss="categorical_crossentropy",
        optimizer="sgd",
        lr=0.01,
        dtype=dtype,
        init="he_uniform",
    )
    X, y = synthetic(n, 10, 3)
    model = build(impl, native_spec(spec, impl))
    prepared = model.prepare(X, y)
    resettable = _reset_peak()
    before = _status_kb("VmRSS")
    model.run_steps(prepared, 2)  # warm-up: its buffers count, its time does not
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < 0.3 and len(times) < 200):
        seconds = np.zeros(1)
        model.run_steps(prepared, 1, seconds)
        times.append(float(seconds[0]))
    peak = _status_kb("VmHWM") if resettable else np.nan
    q1, med, q3 = np.percentile(times, [25, 50, 75])
    return {
        "step_median": float(med),
        "step_iqr": float(q3 - q1),
        "steps": len(times),
        "peak_mb": (peak - before) / 1024 if resettable else np.nan,
    }


def _worker(impl: str, dtype: str, threads: int, sizes: list[tuple[str, int, int]]) -> None:
    """Entry point of the per-implementation process: one JSON line per size."""
    from reference_impls import pin_threads

    pin_threads(threads, (impl,))
    for sweep, n, width in sizes:
        print(
            json.dumps(
                {
                    "impl": impl,
                    "sweep": sweep,
                    "n": n,
                    "width": width,
                    "dtype": dtype,
                    "threads": threads,
                    **measure(impl, n, width, dtype),
                }
            ),
            flush=True,
        )


def plan(max_n: int = N_SWEEP[-1], max_width: int = WIDTH_SWEEP[-1]) -> list[tuple[str, int, int]]:
    sizes = [("n", n, BASE_WIDTH) for n in N_SWEEP if n <= max_n] + [
        ("width", BASE_N, w) for w in WIDTH_SWEEP if w <= max_width
    ]
    return sorted(sizes, key=lambda s: s[1] * s[2])


def run_scale(
    impls: list[str],
    dtype: str = "float64",
    threads: int = 1,
    max_n: int = N_SWEEP[-1],
    max_width: int = WIDTH_SWEEP[-1],
    progress=None,
) -> pd.DataFrame:
    rows = []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for impl in impls:
        for size in plan(max_n, max_width):
            code = f"from benchmarks.harness.scale import _worker; _worker({impl!r}, {dtype!r}, {threads}, [{size!r}])"
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=900)
            if proc.returncode:
                raise SpecError(
                    f"the {impl} scaling worker failed at n={size[1]} width={size[2]}: "
                    f"{proc.stderr.strip().splitlines()[-1:]}"
                )
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            if progress:
                progress(f"{impl} n={size[1]} width={size[2]}")
    return pd.DataFrame(rows, columns=list(SCALE))
