"""Tasks: named, seeded data sets (gates, parity, spiral, scikit-learn sets, MNIST files),
each with its default ``ModelSpec`` and target. Upstream of everything else in
``benchmarks``: this package imports only ``reference_impls.spec`` and ``scratch``."""

from .catalog import DEFAULT_TASKS, TASKS, Dataset, Task, get_task, parse_tasks
from .generators import GATES, logic_gate, parity, spiral, synthetic
from .mnist import IDX_FILES, load_mnist, read_idx

__all__ = [
    "DEFAULT_TASKS",
    "GATES",
    "IDX_FILES",
    "TASKS",
    "Dataset",
    "Task",
    "get_task",
    "load_mnist",
    "logic_gate",
    "parity",
    "parse_tasks",
    "read_idx",
    "spiral",
    "synthetic",
]
