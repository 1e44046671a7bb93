"""``scratchbench validate``: your own network (or a folder of submissions) against the frameworks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import Command, UsageError, non_negative_int, positive_int, say


def _cmd_validate(args: argparse.Namespace) -> int:
    from reference_impls.validation import twinhost
    from reference_impls.validation.sandbox import Limits
    from reference_impls.validation.verdict import UserCodeFailed, exit_code

    from ..harness.batch import expand
    from ..harness.config import parse_impls
    from ..harness.validate import UserCodeRaised, run_validation, summary, table
    from ..results.store import ResultsStore

    if args.steps < 1:
        raise UsageError(f"--steps must be at least 1, got {args.steps}")
    for flag, value in (("--timeout", args.timeout), ("--memory", args.memory), ("--jobs", args.jobs)):
        if value is not None and value <= 0:
            raise UsageError(f"{flag} must be positive, got {value:g}")
    against = list(parse_impls(args.against))
    _task_data_loads(args.task, args.seed)
    store = ResultsStore(args.out) if args.out else None
    if store:
        store.check_writable()
    limits = Limits(args.timeout, args.memory)
    targets = expand(args.target)
    if targets is not None:
        return _validate_batch(args, targets, against, limits, store)
    twinhost.start(against)  # the frameworks load side by side, while the network loads and runs
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
        from ..report.validation import build_validation_report

        for path in store.write_table("validation", table(result, args.target, args.task)):
            print(f"wrote {path}")
        print(f"wrote {store.write_json('validation', summary(result, args.target, args.task))}")
        paths = build_validation_report(args.out, f"{args.out}/report")
        print(f"wrote {paths['markdown']} and {paths['html']}")
    return code


def _validate_batch(args: argparse.Namespace, targets: list[str], against: list[str], limits, store) -> int:
    """Many submissions: a line each as it is judged, the ``submissions`` table, the count."""
    from ..harness.batch import run_batch, summary_line
    from ..results.store import with_dtypes

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
        from ..report.submissions import build_class_report

        report_paths = build_class_report(args.out, f"{args.out}/report")
        say(args, f"wrote {report_paths['markdown']} and {report_paths['html']}")
    print(summary_line(table))
    return 0 if (table["status"] == "pass").all() else 1


def _task_data_loads(task: str, seed: int) -> None:
    """A task whose data cannot load here is bad input, said once (exit 2) before anything
    runs: in a batch it would otherwise be every submission's own error row, and exit 1."""
    from reference_impls import SpecError

    from ..tasks import get_task

    chosen = get_task(task)  # an unknown name is its own one-line error
    try:
        chosen.data(seed)
    except SpecError as exc:
        raise UsageError(
            f"--task {task}: its data does not load here ({exc}); validate takes no config file, so choose a task "
            "that needs none (scratchbench tasks)"
        ) from None


def spec_file(text: str) -> str:
    """An argparse type for ``--spec``: an existing file, named in the error when it is a
    folder or missing (rather than a misleading "no such file" for a folder)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give the TOML or JSON ModelSpec file inside it")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such spec file: {text} (a TOML or JSON ModelSpec file)")
    return text


VALIDATE_HELP = """\
Check your own hand-written network against PyTorch and Keras by default (--against adds
the other implementations, or all of them), step by step from your network's own initial
weights, on a task's data.

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
A notebook works too: lab.ipynb:NAME runs its code cells in order (magics and shell
commands skipped, with a note) and takes NAME from them; errors name the cell and line.
Many submissions at once: a quoted glob or a folder ('subs/*.py:network', subs/), one line
and one row each (pass, fail or error) in OUT/submissions.parquet; exit 0 only if all pass.
Examples: examples/seed001_xor.py, seed003_spiral.py, seed004_simplenn.py, nnfs_book_style.py,
validate_in_a_notebook.ipynb."""


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("target", help="FILE.py:NAME or FILE.ipynb:NAME: a function returning your network, or the network")
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
    p.add_argument(
        "--spec", type=spec_file, help="a TOML or JSON ModelSpec file, for a network whose file does not state one"
    )
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


COMMANDS = [
    Command(
        "validate",
        "check your own hand-written network against the frameworks, step by step",
        _validate_arguments,
        _cmd_validate,
        VALIDATE_HELP,
    ),
]
