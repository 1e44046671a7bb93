"""``scratchbench check``: every framework against the scratch network, step by step."""

from __future__ import annotations

import argparse

from .common import Command, UsageError, non_negative_int, say


def _cmd_check(args: argparse.Namespace) -> int:
    from ..harness.check import DEFAULT_CONFIGS, check_impls, parse_configs
    from ..results.store import ResultsStore
    from ..tasks import parse_tasks

    tasks = parse_tasks(args.tasks)
    external = [t.name for t in tasks if "external" in t.tags]
    if external:
        raise UsageError(
            f"check cannot run task {external[0]}: it reads your local files, whose path only a run config gives "
            f"([task.{external[0]}] path = ... with scratchbench run --config FILE); check the other tasks"
        )
    if args.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {args.steps}")
    if args.scheduler and args.backend != "dask":
        raise UsageError(
            "--scheduler needs --backend dask (comparisons then run on that cluster); add --backend dask, or drop "
            "--scheduler"
        )
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    impls = check_impls(args.impls)
    configs = parse_configs(args.configs or ",".join(DEFAULT_CONFIGS))
    from ..harness.jobs import require_device

    require_device(impls, args.device)  # before anything is written
    store = ResultsStore(args.out) if args.out else None
    if store:
        store.check_writable()
    from rich.progress import Progress

    from ..harness.check import environment, print_table, run_check, summary_lines

    with Progress(transient=True, disable=args.quiet) as bar:
        job = bar.add_task("comparing", total=len(tasks) * len(impls) * len(configs))

        def progress(i: int, n: int, what: str) -> None:
            bar.update(job, completed=i, description=f"comparing {what}")

        table, deviation = run_check(
            tasks,
            impls,
            configs,
            args.steps,
            args.dtype,
            seed=args.seed,
            progress=progress,
            workers=args.jobs,
            backend=args.backend,
            scheduler=args.scheduler,
            device=args.device,
        )
    if not args.quiet:
        print_table(table)
    if store:
        for name, df in (("equivalence", table), ("deviation", deviation)):
            for path in store.write_table(name, df):
                say(args, f"wrote {path}")
        say(args, f"wrote {store.write_json('check_environment', environment(impls))}")
    if args.quiet:
        print("check: " + summary_lines(table)[0] + (f"; tables in {args.out}" if store else ""))
    return 1 if table["status"].isin(["fail", "error"]).any() else 0


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tasks", default="xor,spiral", help="comma-separated tasks, or 'all' (default: xor,spiral)")
    p.add_argument("--impls", default="all", help="implementations to compare with scratch, comma-separated, or 'all'")
    p.add_argument(
        "--configs",
        default="",
        help="optimizer-batching configs, e.g. sgd-full,adam-minibatch, or 'all' (default: all but adagrad)",
    )
    p.add_argument("--steps", type=int, default=1000, help="training steps per comparison (default 1000)")
    p.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="floating-point type of every implementation (default float64; float32 is judged with its own tolerances)",
    )
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the data and the initial weights (default 0)"
    )
    p.add_argument("--out", help="folder for the equivalence and deviation tables (Parquet + CSV)")
    p.add_argument(
        "--jobs",
        type=int,
        help="worker processes, one thread each (default: $SCRATCHBENCH_CHECK_JOBS, else one per core, "
        "at most 4); with --backend dask and no --scheduler, the size of the local cluster",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="where comparisons run: local processes, or a Dask cluster (the tables come back here)",
    )
    p.add_argument(
        "--scheduler",
        help="the Dask scheduler's address (tcp://host:8786) for --backend dask (default: a local cluster)",
    )
    p.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where torch and Keras run against the scratch twin (on the CPU); each row records it (default cpu)",
    )


COMMANDS = [
    Command(
        "check",
        "train each framework and the scratch network from the same weights; compare step by step",
        _check_arguments,
        _cmd_check,
        "Exit status 1 if any comparison fails (a deviation beyond tolerance that is not gradual round-off growth).",
    ),
]
