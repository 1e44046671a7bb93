"""The pytest-benchmark timing suite (``bench_*.py``), its helpers and its plugin. Uses
``benchmarks.tasks`` and ``reference_impls`` only."""
