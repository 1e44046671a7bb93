"""Results: ``schema`` documents every column of every table; ``store`` is the only code
that reads or writes a results folder. Imports nothing else from ``benchmarks``."""


class ResultsError(ValueError):
    """A results folder or file that cannot be used as asked; its message is one line for
    the user (the CLI prints it and exits 2)."""

