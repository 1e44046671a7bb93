"""The benchmark harness, one folder per stage: ``tasks`` (data sets) <- ``harness`` (runs,
checks, scaling) -> ``results`` (schema and store) <- ``report``; ``suite`` is the
pytest-benchmark timing suite; ``cli`` is the ``scratchbench`` command."""
