"""``scratchbench run`` (a sweep of tasks x implementations x seeds) and ``scratchbench scale``."""

from __future__ import annotations

import argparse
import signal
import sys

from .common import Command, UsageError, say


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the sweep writes its tables and manifest, then exits 143."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def _cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..harness import config as cfgmod
    from ..harness.sweep import run_sweep
    from ..report.text import print_summary
    from ..tasks import parse_tasks

    if args.resume and args.overwrite:
        raise UsageError(
            "--resume and --overwrite contradict each other: --resume keeps the recorded runs, --overwrite deletes "
            "them; choose one"
        )
    if args.config and args.grid:
        raise UsageError(
            f"--grid {args.grid} and --config {args.config}: a config file states the whole sweep; give one of them"
        )
    cfg = cfgmod.load(args.config) if args.config else cfgmod.grid(args.grid or "quick")
    grid = f"config {args.config}" if args.config else args.grid or "quick"
    overrides = {
        key: getattr(args, key)
        for key in ("tasks", "impls", "seeds", "epochs", "threads", "eval_every")
        if getattr(args, key) is not None
    }
    cfg = cfgmod.from_mapping(overrides, base=cfg)
    parse_tasks(",".join(cfg.tasks))
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    cfg.plans()  # validate every task's spec before anything runs
    if args.out:
        from ..results.store import check_writable

        check_writable(args.out)  # before any framework is imported: a bad --out fails in a moment
    console = Console(stderr=True)
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    # A process started with SIGINT ignored (a background job of a non-interactive shell,
    # some CI runners) inherits that, and Python then never raises KeyboardInterrupt: the
    # sweep would ignore Ctrl-C and run to the end. A sweep told to stop must stop.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        # Off where stderr is not a terminal: there it draws nothing and leaves only a blank line
        # before whatever comes next (an error would no longer be one line).
        with Progress(*columns, console=console, transient=True, disable=args.quiet or not console.is_terminal) as bar:
            job = bar.add_task("starting", total=None)

            def progress(i: int, n: int, what: str) -> None:
                bar.update(job, completed=i, total=n, description=f"done: {what}")
                if args.verbose:
                    bar.console.print(f"[{i}/{n}] {what}", highlight=False, markup=False)

            results = run_sweep(
                cfg,
                args.out,
                resume=args.resume,
                overwrite=args.overwrite,
                jobs=args.jobs,
                progress=progress,
                backend=args.backend,
                scheduler=args.scheduler,
                device=args.device,
                grid=grid,
                argv=["scratchbench", *args.argv],
                notify=lambda line: console.print(line, soft_wrap=True, highlight=False, markup=False),
            )
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(
            f"scratchbench run: {how}; finished runs are saved in {args.out}; continue with --resume", file=sys.stderr
        )
        return 143 if isinstance(exc, Terminated) else 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    if not args.quiet:
        print_summary(results.summary, results.runs)
    if args.out:
        print(
            f"{len(results.runs)} runs; tables written to {args.out}/ (runs, curves, summary, confusion, environment "
            "as .parquet and .csv; manifest.json)"
        )
    failed = int((results.runs["status"] == "failed").sum()) if len(results.runs) else 0
    if failed:
        print(
            f"scratchbench run: {failed} of {len(results.runs)} runs failed (their messages are above and in the "
            "runs table); "
            "fix the cause and rerun them with --resume",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_scale(args: argparse.Namespace) -> int:
    from ..harness.config import parse_impls
    from ..harness.scale import run_scale
    from ..report.data import slopes
    from ..report.text import seconds
    from ..results.store import ResultsStore

    impls = list(parse_impls(args.impls))
    from ..harness.config import check_threads

    check_threads(args.threads, "--threads")
    if args.max_n < 1000:
        raise UsageError(f"--max-n must be at least 1000, got {args.max_n}")
    if args.max_width < 64:
        raise UsageError(f"--max-width must be at least 64, got {args.max_width}")
    store = ResultsStore(args.out)
    store.check_writable()
    table = run_scale(
        impls,
        args.dtype,
        args.threads,
        args.max_n,
        args.max_width,
        progress=lambda what: say(args, f"measured {what}", file=sys.stderr),
    )
    store.write_table("scale", table)
    for r in slopes(table).itertuples():
        say(args, f"{r.impl:8s} step time grows with {r.sweep:5s} as {r.sweep}^{r.slope:.2f}")
    largest = table.sort_values("n").groupby("impl").tail(1)
    for r in largest.itertuples():
        say(
            args, f"{r.impl:8s} n={r.n:,} width={r.width}: {seconds(r.step_median)} per step, {r.peak_mb:.0f} MiB added"
        )
    print(f"wrote {args.out}/scale.parquet and .csv")
    return 0


def _run_arguments(p: argparse.ArgumentParser) -> None:
    from ..harness.config import GRIDS

    p.add_argument(
        "--grid",
        choices=tuple(GRIDS),
        help="the sweep to start from (default quick: xor and spiral, 3 seeds, shortened epochs, about a minute with "
        "make report; full: the six gates and spiral, 5 seeds, each task's own epochs); flags override it",
    )
    p.add_argument("--tasks", help="comma-separated tasks, 'gates' or 'all' (default: the grid's)")
    p.add_argument("--impls", help="comma-separated implementations or 'all' (default: all of them)")
    p.add_argument("--seeds", type=int, help="number of seeds, 0..N-1 (default: the grid's, 3 quick, 5 full)")
    p.add_argument(
        "--config",
        help="a TOML file: tasks, impls, seeds, epochs, [spec], [task.NAME] (see docs/benchmarks/running.md); "
        "instead of --grid",
    )
    p.add_argument("--epochs", type=int, help="epochs for every task (default: the grid's; full: each task's own)")
    p.add_argument("--threads", type=int, help="threads for every framework, pinned alike (default 1)")
    p.add_argument(
        "--eval-every", dest="eval_every", type=int, help="evaluate every N epochs (default: ~100 evaluations per run)"
    )
    p.add_argument("--out", default="results", help="folder for the tables (default: results)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep recorded in --out (same configuration; failed runs run again)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace the sweep recorded in --out")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="runs in parallel processes (timings are then flagged); with --backend dask "
        "and no --scheduler, the size of the local cluster",
    )
    p.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where torch and Keras run (every other implementation always on the CPU); recorded per run (default cpu)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help=(
            "where runs execute: local processes, or a Dask cluster (records come back here; only this process "
            "writes --out)"
        ),
    )
    p.add_argument(
        "--scheduler",
        help=(
            "the Dask scheduler's address (tcp://host:8786) for --backend dask (default: a local cluster of --jobs "
            "workers)"
        ),
    )


def _scale_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--impls", default="all", help="comma-separated implementations or 'all'")
    p.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="floating-point type of the timed models (default float64)",
    )
    p.add_argument("--threads", type=int, default=1, help="threads for every framework (default 1)")
    p.add_argument("--max-n", dest="max_n", type=int, default=100_000, help="largest row count (default 100000)")
    p.add_argument("--max-width", dest="max_width", type=int, default=1024, help="largest hidden width (default 1024)")
    p.add_argument("--out", default="results/scale", help="folder for the scale table (default: results/scale)")


COMMANDS = [
    Command(
        "run", "train tasks x implementations x seeds; write runs, curves and summary tables", _run_arguments, _cmd_run
    ),
    Command(
        "scale",
        "per-step time and peak memory as rows grow to 1e5 and width to 1024, per implementation",
        _scale_arguments,
        _cmd_scale,
    ),
]
