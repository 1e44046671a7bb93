"""The machine and software a run measured: versions, CPU, BLAS, and each implementation's
own environment (its versions and settings, as its adapter declares them)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata

from reference_impls import implementation_class


@lru_cache(maxsize=None)
def import_seconds(impl: str) -> float:
    """Seconds to import an implementation's framework (its adapter's ``import_module``) in
    a fresh interpreter: the one honest way to time an import, paid once per sweep."""
    module = implementation_class(impl).import_module
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=True)
    return float(out.stdout.strip().splitlines()[-1])


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


@lru_cache(maxsize=None)
def software(impls: tuple[str, ...] = ()) -> dict[str, str]:
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
        "cpu_count": str(os.cpu_count()),
        "platform": platform.platform(),
    }
    for impl in impls:
        info.update(implementation_class(impl).environment())
    return info
