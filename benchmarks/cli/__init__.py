"""The ``scratchbench`` command line: parses, calls one stage, prints.

Exit codes: 0 done; 1 a check or run failed (``check`` found a mismatch, ``validate`` a
departure, a ``run`` recorded a failed run); 2 usage or bad input, always one line on
stderr naming the value and the fix, with nothing already written changed; 3 ``validate``:
the user's code failed to run; 70 an internal error (a bug in scratchbench: the traceback
and a line asking for a report, never mistaken for bad input or a verdict); 130 / 143
interrupted by Ctrl-C (SIGINT) / SIGTERM, finished work kept.

Bad input is what the stages raise as a declared type (``USAGE_ERRORS``), where they
validate it; any other exception is a bug. Each command lives in its own module and
declares its ``COMMANDS``; ``COMMAND_MODULES`` lists them in the order ``--help`` shows.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from reference_impls.spec import SpecError

from ..results import ResultsError
from . import basics, check, report, run, validate
from .common import Command, Parser, UsageError, verbosity_arguments

#: bad input the user can fix, raised where input is validated: one line, exit 2. (OSError:
#: a path that does not exist or cannot be written.)
USAGE_ERRORS = (UsageError, SpecError, ResultsError, OSError)
USAGE, INTERNAL_ERROR = 2, 70  # 70: EX_SOFTWARE (sysexits.h)

COMMAND_MODULES = (basics, check, run, report, validate)
COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Add a subcommand (its name, help, arguments and the function that runs it)."""
    COMMANDS[command.name] = command
    return command


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        register(_command)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scratchbench")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="scratchbench",
        description="Benchmark a from-scratch NumPy network against the same network in each framework "
        "of reference_impls.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        # ``scratchbench COMMAND --help`` opens with what the command does, as the list says.
        p = sub.add_parser(
            cmd.name, help=cmd.help, description=cmd.description or cmd.help[:1].upper() + cmd.help[1:] + "."
        )
        cmd.arguments(p)
        verbosity_arguments(p)
        p.set_defaults(func=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.argv = argv
    name = f"scratchbench {args.command}"
    try:
        return args.func(args)
    except USAGE_ERRORS as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{name}: error: out of memory; ask for fewer seeds, rows or steps", file=sys.stderr)
        return USAGE
    except Exception as exc:  # a bug: its traceback, and a line that says so
        traceback.print_exc()
        print(
            f"{name}: internal error ({type(exc).__name__}: {exc}), a bug in scratchbench, not in your input; "
            "please report it with the traceback above",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


__all__ = ["COMMANDS", "Command", "UsageError", "build_parser", "main", "register"]
