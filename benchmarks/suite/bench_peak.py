"""The machine's matrix-multiply speed, measured by the suite itself: the report states
every benchmark's GFLOP/s as a fraction of this peak (same dtype, same threads).
The memory bandwidth (a STREAM-style triad) is measured beside the memory-bound group in
``bench_regimes.py``."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.suite.helpers import MATMUL_SIZE as SIZE
from benchmarks.suite.helpers import info, matmul_operands, pin


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul_peak(benchmark, dtype):
    pin()
    A, B = matmul_operands(dtype)
    A @ B  # warm-up
    benchmark.group = "peak: NumPy matmul"
    info(benchmark, impl="numpy", task="matmul", n=SIZE, width=SIZE, dtype=dtype, flops=2 * SIZE**3, peak=True)
    out = benchmark(np.matmul, A, B)
    assert out.shape == (SIZE, SIZE)
