"""The machine and software a run measured: pinned thread counts, versions, CPU, BLAS."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata

_limits = None  # threadpoolctl's limiter, kept alive for the process


def pin_threads(n: int, frameworks: tuple[str, ...] = ()) -> dict[str, int]:
    """Give every framework the same ``n`` threads: NumPy's BLAS (threadpoolctl, which
    also serves scikit-learn), PyTorch, and TensorFlow's intra- and inter-op pools.
    TensorFlow accepts this only before its runtime starts; returns what is in force."""
    global _limits
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(limits=n)
    applied = {"threads_blas": n}
    if "torch" in frameworks or "keras" in frameworks and os.environ.get("KERAS_BACKEND") == "torch":
        import torch

        torch.set_num_threads(n)
        try:
            torch.set_num_interop_threads(n)
        except RuntimeError:  # only settable before the first parallel work
            pass
        applied["threads_torch"] = torch.get_num_threads()
    if "keras" in frameworks and os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:  # the runtime already started in this process
            pass
        applied["threads_tf_intra"] = tf.config.threading.get_intra_op_parallelism_threads()
        applied["threads_tf_inter"] = tf.config.threading.get_inter_op_parallelism_threads()
    return applied


@lru_cache(maxsize=None)
def import_seconds(impl: str) -> float:
    """Seconds to import an implementation's adapter (and so its framework) in a fresh
    interpreter: the one honest way to time an import, paid once per sweep."""
    module = "scratch" if impl == "scratch" else f"reference_impls.{impl}_impl"
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


def _version(*distributions: str) -> str:
    """Installed version from package metadata (importing TensorFlow just to ask would
    start its runtime before threads are pinned)."""
    for dist in distributions:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


@lru_cache(maxsize=1)
def software() -> dict[str, str]:
    """Versions of Python and every library that touches the numbers."""
    import numpy

    # NumPy's own BLAS (the scratch network's matmuls), from its build configuration: the
    # list of loaded BLAS libraries would depend on which framework a process touched first.
    blas = numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return {
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "sklearn": _version("scikit-learn"),
        "torch": _version("torch"),
        "tensorflow": _version("tensorflow-cpu", "tensorflow"),
        "keras": _version("keras"),
        "pandas": _version("pandas"),
        "blas": f"{blas.get('name', 'unknown')} {blas.get('version', '')}".strip(),
        "cpu": _cpu_model(),
        "cpu_count": str(os.cpu_count()),
        "platform": platform.platform(),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "0 (set by the harness)"),
    }
