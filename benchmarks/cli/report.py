"""``scratchbench report``: a results folder (or two timing-suite runs) as Markdown and HTML."""

from __future__ import annotations

import argparse
import sys

from .common import Command, UsageError


def _cmd_report(args: argparse.Namespace) -> int:
    import os

    from ..harness.summary import summarize
    from ..report import build_report
    from ..results.store import ResultsStore

    if args.baseline and not os.path.isfile(args.baseline):
        raise UsageError(
            f"--baseline file {args.baseline!r} does not exist; give an earlier pytest --benchmark-json file (or one "
            "--benchmark-autosave kept under .benchmarks/)"
        )
    if args.results.endswith(".json"):
        return _report_against_baseline(args)
    for flag, folder in (("--check", args.check), ("--scale", args.scale)):
        if folder and not os.path.isdir(folder):
            raise UsageError(
                f"{flag} folder {folder!r} does not exist; give the folder written by scratchbench {flag[2:]} --out, "
                f"or leave {flag} out"
            )
    if args.benchmark_json and not os.path.isfile(args.benchmark_json):
        raise UsageError(
            f"--benchmark-json file {args.benchmark_json!r} does not exist; write it with pytest --benchmark-only "
            "--benchmark-json=FILE, or leave the flag out"
        )
    if os.path.isfile(args.results):
        raise UsageError(
            f"{args.results!r} is a file, not a results folder; give the folder scratchbench run --out wrote "
            "(or a pytest --benchmark-json .json file to compare with --baseline)"
        )
    if not os.path.isdir(args.results):
        raise UsageError(
            f"results folder {args.results!r} does not exist; create it with: scratchbench run --out {args.results}"
        )
    store = ResultsStore(args.results)
    if store.tables_stale():  # after a killed sweep: the records are the truth
        runs = store.rebuild_tables(summarize)["runs"]
        print(f"rebuilt the tables of {args.results} from its {len(runs)} records", file=sys.stderr)
    if args.baseline and not (args.benchmark_json or os.path.isfile(os.path.join(args.results, "benchmarks.json"))):
        raise UsageError(
            f"--baseline needs the current timing-suite run: {args.results}/benchmarks.json (make bench) or "
            "--benchmark-json FILE"
        )
    paths = build_report(
        args.results,
        args.out,
        check=args.check,
        benchmark_json=args.benchmark_json,
        scale=args.scale,
        baseline=args.baseline,
    )
    print(f"wrote {paths['markdown']} and {paths['html']}")
    return 0


def _report_against_baseline(args: argparse.Namespace) -> int:
    """``scratchbench report --baseline OLD.json CURRENT.json``: the comparison alone."""
    from ..report.baseline import write_comparison
    from ..results.store import read_benchmark_json

    if not args.baseline:
        raise UsageError(
            f"{args.results} is a file: give a results folder, or compare two timing-suite runs with --baseline "
            f"OLD.json {args.results}"
        )
    paths = write_comparison(
        read_benchmark_json(args.baseline), read_benchmark_json(args.results), args.out, (args.baseline, args.results)
    )
    print(paths["headline"])
    print(f"wrote {paths['markdown']} and {paths['html']}")
    return 0


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "results",
        help="a folder written by scratchbench run, or with --baseline a pytest --benchmark-json file (CURRENT.json)",
    )
    p.add_argument(
        "--baseline",
        help="an earlier pytest --benchmark-json file: time and accuracy of every benchmark against it, side by side",
    )
    p.add_argument("--out", default="reports/latest", help="folder for the report (default: reports/latest)")
    p.add_argument("--check", help="a folder written by scratchbench check --out (default: RESULTS/check if present)")
    p.add_argument(
        "--benchmark-json",
        dest="benchmark_json",
        help="pytest --benchmark-json output (default: RESULTS/benchmarks.json if present)",
    )
    p.add_argument("--scale", help="a folder written by scratchbench scale --out (default: RESULTS/scale if present)")


COMMANDS = [
    Command(
        "report",
        "build README.md (+ PNGs) and a self-contained index.html from a results folder",
        _report_arguments,
        _cmd_report,
    ),
]
