"""What every command shares: the one-line argparse errors, the usage error type, argument
types, quiet printing, and the ``Command`` record each command module declares."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


class UsageError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with its errors as one line (argparse prints the usage block first, which
    buries the line that says what is wrong); ``--help`` still shows the usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number >= 0, named in the error when it is not."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def say(args: argparse.Namespace, line: str, file=None) -> None:
    """Print an informative line unless ``-q`` asked for only errors and the final line."""
    if not getattr(args, "quiet", False):
        print(line, file=file)


def verbosity_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print only errors and the final line (no progress bar or tables)"
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", help="also print a line per finished run (scratchbench run only)"
    )


@dataclass(frozen=True)
class Command:
    """One subcommand: its name and help, a function adding its arguments, and the function
    that runs it (returns the exit status). Add a command with one ``register`` call."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str | None = None
