"""The ``scratchbench`` command line. Bad input ends in one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import sys


class UsageError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import print_demo, run_demo

    print_demo(*run_demo(seed=args.seed))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchbench",
        description="Benchmark a from-scratch NumPy network against Keras, PyTorch and scikit-learn.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="train the scratch network on the gates and the spiral; print loss and accuracy")
    demo.add_argument("--seed", type=int, default=0, help="seed for the weights and the spiral data (default 0)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ValueError, OSError) as exc:
        print(f"scratchbench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"scratchbench {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
