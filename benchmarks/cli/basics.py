"""``scratchbench demo`` and ``scratchbench tasks``: the scratch network on the small tasks, and the task list."""

from __future__ import annotations

import argparse

from .common import Command, non_negative_int


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..harness.demo import print_demo, run_demo

    print_demo(*run_demo(seed=args.seed))
    return 0


def _cmd_tasks(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from ..tasks import TASKS

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


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed for the weights and the spiral data (default 0)"
    )


COMMANDS = [
    Command(
        "demo",
        "train the scratch network on the gates and the spiral; print loss and accuracy",
        _demo_arguments,
        _cmd_demo,
    ),
    Command("tasks", "list the tasks with their sizes, default models and targets", lambda p: None, _cmd_tasks),
]
