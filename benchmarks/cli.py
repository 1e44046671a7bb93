"""The ``scratchbench`` command line.

Exit codes: 0 done; 1 a check or run failed (``check`` found a mismatch, ``validate`` a
departure, a ``run`` recorded a failed run); 2 usage or bad input, always one line on
stderr naming the value and the fix, with nothing already written changed; 3 ``validate``:
the user's code failed to run; 130 / 143 interrupted by Ctrl-C (SIGINT) / SIGTERM,
finished work kept."""

from __future__ import annotations

import argparse
import signal
import sys
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


def _verbosity_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print only errors and the final line (no progress bar or tables)"
    )
    group.add_argument("-v", "--verbose", action="store_true", help="also print a line per finished run (run)")


def _cmd_demo(args: argparse.Namespace) -> int:
    from .harness.demo import print_demo, run_demo

    print_demo(*run_demo(seed=args.seed))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .harness.check import DEFAULT_CONFIGS, check_impls, parse_configs
    from .results.store import ResultsStore
    from .tasks import parse_tasks

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
            "--scheduler needs --backend dask (comparisons then run on that cluster); add --backend dask, or drop --scheduler"
        )
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    impls = check_impls(args.impls)
    configs = parse_configs(args.configs or ",".join(DEFAULT_CONFIGS))
    from .harness.jobs import require_device

    require_device(impls, args.device)  # before anything is written
    store = ResultsStore(args.out) if args.out else None
    if store:
        store.check_writable()
    from rich.progress import Progress

    from .harness.check import environment, print_table, run_check, summary_lines

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


def _cmd_tasks(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from .tasks import TASKS

    table = Table(title="Tasks (scratchbench run --tasks NAME,...)")
    for col in ("task", "description", "train / test rows", "features", "classes", "default model", "epochs", "target"):
        table.add_column(
            col, justify="right" if col in ("train / test rows", "features", "classes", "epochs") else "left"
        )
    for task in TASKS.values():
        spec = task.spec
        try:
            sizes = task.data(0).sizes
            rows, feats = f"{sizes[0]:,} / {sizes[1]:,}", str(sizes[2])
        except ValueError:  # needs files the user supplies (mnist)
            rows, feats = "your files", str(spec.sizes[0])
        model = f"{'-'.join(map(str, spec.sizes))} {'/'.join(spec.activations)}, {spec.optimizer} lr {spec.lr:g}"
        model += ", full batch" if spec.batch_size is None else f", batch {spec.batch_size}"
        classes = str(max(spec.sizes[-1], 2))
        table.add_row(
            task.name,
            task.description,
            rows,
            feats,
            classes,
            model,
            str(task.epochs),
            f"{task.target_metric} >= {task.target:g}",
        )
    Console(width=200).print(table)
    return 0


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

    from .harness import config as cfgmod
    from .harness.sweep import run_sweep
    from .report.text import print_summary
    from .tasks import parse_tasks

    if args.resume and args.overwrite:
        raise UsageError(
            "--resume and --overwrite contradict each other: --resume keeps the recorded runs, --overwrite deletes them; choose one"
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
        from .results.store import check_writable

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
        with Progress(*columns, console=console, transient=True, disable=args.quiet) as bar:
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
            f"{len(results.runs)} runs; tables written to {args.out}/ (runs, curves, summary, confusion, environment as .parquet and .csv; manifest.json)"
        )
    failed = int((results.runs["status"] == "failed").sum()) if len(results.runs) else 0
    if failed:
        print(
            f"scratchbench run: {failed} of {len(results.runs)} runs failed (their messages are above and in the runs table); "
            "fix the cause and rerun them with --resume",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_scale(args: argparse.Namespace) -> int:
    from .harness.config import parse_impls
    from .harness.scale import run_scale
    from .report.data import slopes
    from .report.text import seconds
    from .results.store import ResultsStore

    impls = list(parse_impls(args.impls))
    from .harness.config import check_threads

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


def _cmd_report(args: argparse.Namespace) -> int:
    import os

    from .harness.summary import summarize
    from .report import build_report
    from .results.store import ResultsStore

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
                f"{flag} folder {folder!r} does not exist; give the folder written by scratchbench {flag[2:]} --out, or leave {flag} out"
            )
    if args.benchmark_json and not os.path.isfile(args.benchmark_json):
        raise UsageError(
            f"--benchmark-json file {args.benchmark_json!r} does not exist; write it with pytest --benchmark-only --benchmark-json=FILE, or leave the flag out"
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
            f"--baseline needs the current timing-suite run: {args.results}/benchmarks.json (make bench) or --benchmark-json FILE"
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
    from .report.baseline import write_comparison
    from .results.store import read_benchmark_json

    if not args.baseline:
        raise UsageError(
            f"{args.results} is a file: give a results folder, or compare two timing-suite runs with --baseline OLD.json {args.results}"
        )
    paths = write_comparison(
        read_benchmark_json(args.baseline), read_benchmark_json(args.results), args.out, (args.baseline, args.results)
    )
    print(paths["headline"])
    print(f"wrote {paths['markdown']} and {paths['html']}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from reference_impls.validation.sandbox import Limits
    from reference_impls.validation.verdict import UserCodeFailed, exit_code

    from .harness.batch import expand
    from .harness.config import parse_impls
    from .harness.validate import UserCodeRaised, run_validation, summary, table
    from .results.store import ResultsStore

    if args.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {args.steps}")
    for flag, value in (("--timeout", args.timeout), ("--memory", args.memory), ("--jobs", args.jobs)):
        if value is not None and value <= 0:
            raise UsageError(f"{flag} must be positive, got {value:g}")
    against = list(parse_impls(args.against))
    store = ResultsStore(args.out) if args.out else None
    if store:
        store.check_writable()
    limits = Limits(args.timeout, args.memory)
    targets = expand(args.target)
    if targets is not None:
        return _validate_batch(args, targets, against, limits, store)
    try:
        result = run_validation(
            args.target,
            args.task,
            args.steps,
            against,
            seed=args.seed,
            spec_file=args.spec,
            tolerance=args.tolerance,
            limits=limits,
            labels=args.labels,
            steps_per_call=args.steps_per_call,
        )
    except (UserCodeFailed, UserCodeRaised) as exc:  # it could not even be loaded: raised, exited, crashed, hung
        print(f"validate: ERROR: {exc}")
        return 3
    code = exit_code(result)
    if code == 2:  # nothing was judged: bad input, not a verdict
        raise UsageError(result.diagnosis[0])
    print(result)
    if store:
        from .report.validation import build_validation_report

        for path in store.write_table("validation", table(result, args.target, args.task)):
            print(f"wrote {path}")
        print(f"wrote {store.write_json('validation', summary(result, args.target, args.task))}")
        paths = build_validation_report(args.out, f"{args.out}/report")
        print(f"wrote {paths['markdown']} and {paths['html']}")
    return code


def _validate_batch(args: argparse.Namespace, targets: list[str], against: list[str], limits, store) -> int:
    """Many submissions: a line each as it is judged, the ``submissions`` table, the count."""
    from .harness.batch import run_batch, summary_line
    from .results.store import with_dtypes

    def report(row: dict) -> None:
        where = f" at step {row['step']}, {row['phase']}, {row['tensor']}" if row.get("step") is not None else ""
        say(
            args,
            f"{row['status'].upper():5} {row['submission']}{where}" + (f": {row['cause']}" if row.get("cause") else ""),
        )
        sys.stdout.flush()  # a line per submission as it is judged, also into a log file

    if args.resume and not store:
        raise UsageError("--resume continues the batch recorded in --out: give --out DIR")
    done = store.read_table("submissions") if args.resume else None
    paths: list[str] = []

    def save(table) -> None:
        paths[:] = store.write_table("submissions", with_dtypes(table, "submissions"))

    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler is the address of a Dask scheduler: add --backend dask")
    table = run_batch(
        targets,
        args.jobs or 1,
        report,
        done,
        save if store else None,
        backend=args.backend,
        scheduler=args.scheduler,
        task=args.task,
        steps=args.steps,
        against=against,
        seed=args.seed,
        spec_file=args.spec,
        tolerance=args.tolerance,
        limits=limits,
    )
    for path in paths:
        say(args, f"wrote {path}")
    if store:
        from .report.submissions import build_class_report

        report_paths = build_class_report(args.out, f"{args.out}/report")
        say(args, f"wrote {report_paths['markdown']} and {report_paths['html']}")
    print(summary_line(table))
    return 0 if (table["status"] == "pass").all() else 1


VALIDATE_HELP = """\
Check your own hand-written network against PyTorch and Keras (and scikit-learn where it
can express it), step by step from your network's own initial weights, on a task's data.

FILE.py:NAME names a function in your file that returns the network (or the network
itself), in one of three styles:

  layer objects     dict(layers=[dense1, relu, dense2], loss=loss_obj, optimizer=opt):
                    dense layers hold weights (in, out) and biases (1, out); forward/backward
                    (the NNFS book, seed 003, cs231n); the spec is inferred when not given
  arrays+functions  dict(step=fn, params={"w1": w1, ...}, spec=ModelSpec(...)):
                    fn(params, X, y) returns the new params, (new params, loss) or, with
                    returns="gradients", (loss, gradients) (seed 001)
  black box         dict(model=obj, spec=ModelSpec(...)), or the object itself with
                    SPEC = ModelSpec(...) in FILE.py: obj.forward(X) then
                    obj.backward(X, y, learning_rate) train it (seed 004)

Add data_layout="columns" to the dict when your code takes samples as columns. Each step
compares every layer's forward output, the loss, every gradient your code exposes and
every updated weight; the first departure is named (step, phase, tensor) with a likely
reason. Your code runs in its own process, bounded by --timeout and --memory.
Exit 0 when your network matches, 1 when it does not (NaN or inf where the frameworks are
finite, data changed in place), 2 for bad input (or when no framework asked for can
express the network), 3 when your code failed to run (raised, exited, crashed, timed out,
ran out of memory).
Many submissions at once: a quoted glob or a folder ('subs/*.py:network', subs/), one line
and one row each (pass, fail or error) in OUT/submissions.parquet; exit 0 only if all pass.
Examples: examples/seed001_xor.py, seed003_spiral.py, seed004_simplenn.py, nnfs_book_style.py."""


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("target", help="FILE.py:NAME: a function returning your network, or the network")
    p.add_argument(
        "--task", default="xor", help="the task whose training data to use (default: xor; see scratchbench tasks)"
    )
    p.add_argument("--steps", type=int, default=100, help="training steps to compare (default 100)")
    p.add_argument(
        "--against",
        default="torch,keras",
        help="implementations to compare with, comma-separated, or 'all' (default: torch,keras; scratch too, e.g. for "
        "float32 code that accumulates in float64 as nnfs.init() does)",
    )
    p.add_argument("--spec", help="a TOML or JSON ModelSpec file, for a network whose file does not state one")
    p.add_argument(
        "--tolerance",
        type=float,
        help="relative deviation allowed per tensor (default: 1e-10 in float64, 1e-4 in float32)",
    )
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the task's data (default 0)")
    p.add_argument(
        "--labels",
        choices=("onehot", "sparse"),
        help="the labels your code takes: one-hot rows (columns with data_layout='columns') or class indices "
        "(default: class indices; a float column for one output)",
    )
    p.add_argument(
        "--steps-per-call",
        type=positive_int,
        default=None,
        help="updates one call of your training step makes on the batch it is given (a training loop with its own "
        "hard-coded epoch count); default 1",
    )
    p.add_argument("--out", help="folder for the validation table and its report (Markdown + HTML in OUT/report)")
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds your code may run over the whole validation (default 60); past it: exit 3, naming the call",
    )
    p.add_argument("--memory", type=int, help="megabytes your code may allocate (default: no limit); past it: exit 3")
    p.add_argument(
        "--resume",
        action="store_true",
        help="with several submissions and --out: keep the rows already in OUT/submissions.parquet, judge the rest",
    )
    p.add_argument(
        "--jobs",
        type=int,
        help="submissions judged side by side when TARGET names several (a quoted glob "
        "'subs/*.py:network' or a folder): one row each in OUT/submissions.parquet (default 1); with "
        "--backend dask and no --scheduler, the size of the local cluster",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="where a batch's submissions are judged: local processes, or a Dask cluster (rows come back here)",
    )
    p.add_argument(
        "--scheduler",
        help="the Dask scheduler's address (tcp://host:8786) for --backend dask (default: a local "
        "cluster of --jobs workers)",
    )


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed for the weights and the spiral data (default 0)"
    )


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


def _run_arguments(p: argparse.ArgumentParser) -> None:
    from .harness.config import GRIDS

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
        "--config", help="a TOML file: tasks, impls, seeds, epochs, [spec], [task.NAME] (see README); instead of --grid"
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
        help="where torch and Keras run (scratch and scikit-learn always on the CPU); recorded per run (default cpu)",
    )
    p.add_argument(
        "--backend",
        choices=("local", "dask"),
        default="local",
        help="where runs execute: local processes, or a Dask cluster (records come back here; only this process writes --out)",
    )
    p.add_argument(
        "--scheduler",
        help="the Dask scheduler's address (tcp://host:8786) for --backend dask (default: a local cluster of --jobs workers)",
    )


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


@dataclass(frozen=True)
class Command:
    """One subcommand: its name and help, a function adding its arguments, and the function
    that runs it (returns the exit status). Add a command with one ``register`` call."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str | None = None


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    COMMANDS[command.name] = command
    return command


register(
    Command(
        "demo",
        "train the scratch network on the gates and the spiral; print loss and accuracy",
        _demo_arguments,
        _cmd_demo,
    )
)
register(
    Command(
        "check",
        "train each framework and the scratch network from the same weights; compare step by step",
        _check_arguments,
        _cmd_check,
        "Exit status 1 if any comparison fails (a deviation beyond tolerance that is not gradual round-off growth).",
    )
)
register(Command("tasks", "list the tasks with their sizes, default models and targets", lambda p: None, _cmd_tasks))
register(
    Command(
        "run", "train tasks x implementations x seeds; write runs, curves and summary tables", _run_arguments, _cmd_run
    )
)
register(
    Command(
        "report",
        "build README.md (+ PNGs) and a self-contained index.html from a results folder",
        _report_arguments,
        _cmd_report,
    )
)
register(
    Command(
        "validate",
        "check your own hand-written network against the frameworks, step by step",
        _validate_arguments,
        _cmd_validate,
        VALIDATE_HELP,
    )
)
register(
    Command(
        "scale",
        "per-step time and peak memory as rows grow to 1e5 and width to 1024, per implementation",
        _scale_arguments,
        _cmd_scale,
    )
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scratchbench")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="scratchbench",
        description="Benchmark a from-scratch NumPy network against the same network in each framework of reference_impls.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        # ``scratchbench COMMAND --help`` opens with what the command does, as the list says.
        p = sub.add_parser(
            cmd.name, help=cmd.help, description=cmd.description or cmd.help[:1].upper() + cmd.help[1:] + "."
        )
        cmd.arguments(p)
        _verbosity_arguments(p)
        p.set_defaults(func=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.func(args)
    except (UsageError, ValueError, OSError) as exc:
        print(f"scratchbench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"scratchbench {args.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"scratchbench {args.command}: error: out of memory; ask for fewer seeds, rows or steps", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
