"""Repository-wide pytest setup: the project's pytest-benchmark plugin (see
benchmarks/suite/plugin.py). Plain ``pytest`` runs every benchmark once as a test;
``pytest --benchmark-only`` times them."""

pytest_plugins = ["benchmarks.suite.plugin"]
