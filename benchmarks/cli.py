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


def _cmd_check(args: argparse.Namespace) -> int:
    from .io import check_writable
    from .tasks import parse_tasks

    from .check import DEFAULT_CONFIGS, parse_configs, parse_impls

    tasks = parse_tasks(args.tasks)
    impls = parse_impls(args.impls)
    configs = parse_configs(args.configs or ",".join(DEFAULT_CONFIGS))
    if args.out:
        check_writable(args.out)
    from rich.progress import Progress

    from .check import environment, print_table, run_check, write_tables

    with Progress(transient=True) as bar:
        job = bar.add_task("comparing", total=len(tasks) * len(impls) * len(configs))

        def progress(i: int, n: int, what: str) -> None:
            bar.update(job, completed=i, description=f"comparing {what}")

        table, deviation = run_check(tasks, impls, configs, args.steps, args.dtype, seed=args.seed, progress=progress)
    print_table(table)
    if args.out:
        for path in write_tables(args.out, {"equivalence": table, "deviation": deviation}, environment()):
            print(f"wrote {path}")
    return 1 if table["status"].isin(["fail", "error"]).any() else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchbench",
        description="Benchmark a from-scratch NumPy network against Keras, PyTorch and scikit-learn.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="train the scratch network on the gates and the spiral; print loss and accuracy")
    demo.add_argument("--seed", type=int, default=0, help="seed for the weights and the spiral data (default 0)")
    demo.set_defaults(func=_cmd_demo)

    check = sub.add_parser(
        "check",
        help="train each framework and the scratch network from the same weights; compare step by step",
        description="Exit status 1 if any comparison fails (a deviation beyond tolerance that is not gradual round-off growth).",
    )
    check.add_argument("--tasks", default="xor,spiral", help="comma-separated tasks, or 'all' (default: xor,spiral)")
    check.add_argument("--impls", default="all", help="frameworks to compare with scratch: keras,torch,sklearn or 'all'")
    check.add_argument("--configs", default="", help="optimizer-batching configs, e.g. sgd-full,adam-minibatch, or 'all' (default: all but adagrad)")
    check.add_argument("--steps", type=int, default=1000, help="training steps per comparison (default 1000)")
    check.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    check.add_argument("--seed", type=int, default=0, help="seed of the data and the initial weights (default 0)")
    check.add_argument("--out", help="folder for the equivalence and deviation tables (Parquet + CSV)")
    check.set_defaults(func=_cmd_check)
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
