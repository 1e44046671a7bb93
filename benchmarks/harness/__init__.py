"""The harness: sweep configuration, jobs and their execution, metrics, summary
statistics, environment capture, the equivalence check and the scaling study.

Downstream of ``benchmarks.tasks`` and upstream of ``benchmarks.results``: it draws the
data, trains every implementation and hands finished records to the results store."""
