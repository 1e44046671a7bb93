"""Tasks, the runner, the results tables, the report builder and the CLI (``scratchbench``)."""
