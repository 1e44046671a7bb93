"""The machine and software a run measured: versions, CPU, BLAS, and each implementation's
own environment (its versions and settings, as its adapter declares them)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import metadata

from reference_impls import implementation_class

from ..results.provenance import code_version


@cache
def import_seconds(impl: str) -> float:
    """Seconds to import an implementation's framework (its adapter's ``import_module``) in
    a fresh interpreter: the one honest way to time an import, paid once per sweep."""
    module = implementation_class(impl).facts.import_module
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def start_import_timing(impls: tuple[str, ...]) -> Callable[[], None]:
    """Time the imports of ``impls`` (``import_seconds``) in the background, on the cores
    this process leaves free (one fresh interpreter at a time per free core, so each still
    has a core to itself), while the caller does its own untimed start-up (importing the
    frameworks, drawing data); returns the function that waits for them. On one core it
    waits at once. Saves ~8 s of the quick default sweep on 2 cores."""
    from .workers import usable_cores

    free = usable_cores() - 1
    if free < 1:
        return lambda: None
    pool = ThreadPoolExecutor(max_workers=free, thread_name_prefix="scratchbench-import-timing")
    futures = [pool.submit(import_seconds, impl) for impl in impls]
    pool.shutdown(wait=False)

    def wait() -> None:
        for future in futures:
            future.result()

    return wait


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@cache
def software(impls: tuple[str, ...] = ()) -> dict[str, str | int]:
    """Versions of Python and the libraries every run uses, the machine, and what each of
    ``impls`` declares about itself (``Implementation.environment``)."""
    import numpy

    # NumPy's own BLAS (the scratch network's matmuls), from its build configuration: the
    # list of loaded BLAS libraries would depend on which framework a process touched first.
    blas = numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    info = {
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "pandas": _version("pandas"),
        "blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count() or 1,
        "platform": platform.platform(),
        **code_version(),  # which code ran: the report names it
    }
    for impl in impls:
        info.update(implementation_class(impl).environment())
    return info
