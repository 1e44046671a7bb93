"""A sweep's configuration: which tasks, implementations, seeds, and any changes to the
tasks' data parameters, epochs and models. Read from TOML, overridden by CLI flags.

```toml
tasks = ["xor", "spiral"]        # or "all", "gates"
impls = ["scratch", "torch"]     # or "all"
seeds = 5                        # seeds 0..4 (or a list: [0, 7, 9])
epochs = 300                     # every task (default: each task's own)
threads = 1                      # per framework, all pinned alike
eval_every = 10                  # evaluation period in epochs (default: ~100 per run)
warmup_steps = 5                 # steps left out of the per-step timing, after the first

[spec]                           # changes to every task's ModelSpec
dtype = "float32"

[task.spiral]                    # one task: data parameters and epochs ...
n_per_class = 200
epochs = 3000
[task.spiral.spec]               # ... and its model
lr = 0.5
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from reference_impls import IMPLEMENTATIONS
from reference_impls.spec import ModelSpec, SpecError

from ..tasks import DEFAULT_TASKS, Task, get_task, parse_tasks

MAX_SEEDS = 10_000  # a count of seeds beyond this is a typo (or a seed given as a count)
SEED_LIMIT = 2**32  # seeds are NumPy seeds: 0 .. 2**32 - 1
TOP_KEYS = ("tasks", "impls", "seeds", "epochs", "threads", "eval_every", "warmup_steps", "spec", "task")

# Named grids for ``scratchbench run --grid NAME`` (settings as a config file states them).
# ``quick`` (the command's default, what ``make report`` runs) is one gate and the spiral,
# three seeds, epochs cut to a few times what each needs to reach its target (xor: ~15
# steps, spiral: ~100), evaluated 10-30 times per run: about 10 s of runs on a quiet
# core. ``full`` is every default task with its own epochs and five seeds (``make
# example``, configs/full.toml): tens of times longer.
GRIDS: dict[str, dict[str, Any]] = {
    "quick": {
        "tasks": ["xor", "spiral"],
        "seeds": 3,
        "eval_every": 10,
        "task": {"xor": {"epochs": 100}, "spiral": {"epochs": 300}},
    },
    "full": {},
}


@dataclass(frozen=True)
class TaskPlan:
    """One task as the sweep runs it: data parameters, epochs and spec settled."""

    task: Task
    spec: ModelSpec
    epochs: int


@dataclass(frozen=True)
class SweepConfig:
    tasks: tuple[str, ...] = tuple(DEFAULT_TASKS)
    impls: tuple[str, ...] = IMPLEMENTATIONS
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    epochs: int | None = None
    threads: int = 1
    eval_every: int | None = None
    warmup_steps: int = 5
    spec: dict[str, Any] = field(default_factory=dict)
    task_settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def plans(self) -> list[TaskPlan]:
        """Each task with its overrides applied and validated (bad values raise SpecError)."""
        unused = [name for name in self.task_settings if name not in self.tasks]
        if unused:
            raise SpecError(
                f"[task.{unused[0]}] is set but {unused[0]} is not among the sweep's tasks ({', '.join(self.tasks)}); "
                f"add {unused[0]} to tasks or remove [task.{unused[0]}]"
            )
        plans = []
        for name in self.tasks:
            task = get_task(name)
            settings = dict(self.task_settings.get(name, {}))
            epochs = settings.pop("epochs", None) or self.epochs or task.epochs
            spec_changes = {**self.spec, **settings.pop("spec", {})}
            task = task.with_params(**settings)
            try:
                spec = task.spec.replace(**spec_changes)
            except TypeError as exc:
                raise SpecError(f"task {name}: {exc}") from None
            if spec.sizes[0] != task.spec.sizes[0]:
                raise SpecError(
                    f"task {name} has {task.spec.sizes[0]} input features; its spec's sizes must start with "
                    f"{task.spec.sizes[0]}"
                )
            plans.append(TaskPlan(task, spec, int(epochs)))
        return plans


def _names(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        names = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = value
    else:
        raise SpecError(f"{what} must be a list of names or a comma-separated string, got {value!r}")
    if not names:
        raise SpecError(f"{what} is empty; name at least one (e.g. --{what} all)")
    return names


def _once_each(items: list[Any] | tuple[Any, ...], what: str) -> tuple[Any, ...]:
    """``items`` unchanged, refusing repeats: a repeated task or seed would run the same
    runs twice and count them as independent (a narrower interval than the data allow)."""
    seen: set[Any] = set()
    for item in items:
        if item in seen:
            raise SpecError(f"{what} lists {item!r} twice; name each once (repeats would count the same run twice)")
        seen.add(item)
    return tuple(items)


def check_threads(value: Any, what: str = "threads") -> int:
    """A thread count from 1 to this machine's cores (more only oversubscribes the CPU,
    and BLAS libraries crash allocating buffers for absurd counts)."""
    from .workers import usable_cores

    cores = usable_cores()
    value = _positive_int(value, what)
    if value > cores:
        raise SpecError(f"{what} must be at most {cores} (this machine's cores), got {value}")
    return value


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{what} must be a positive integer, got {value!r}")
    return value


def parse_seeds(value: Any) -> tuple[int, ...]:
    """``5`` -> seeds 0..4; a list -> those seeds (each once, each a NumPy seed)."""
    if isinstance(value, list):
        if not value or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < SEED_LIMIT for s in value):
            raise SpecError(
                f"seeds must be a count or a list of non-negative integers below 2**32 (NumPy seeds), got {value!r}"
            )
        return _once_each(value, "seeds")
    count = _positive_int(value, "seeds")
    if count > MAX_SEEDS:
        raise SpecError(
            f"seeds is a count of seeds (0..N-1) and must be at most {MAX_SEEDS}, got {count}; "
            "for particular seeds give a list, e.g. seeds = [0, 7]"
        )
    return tuple(range(count))


def _spec_changes(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a table of ModelSpec fields, got {value!r}")
    valid = [f for f in ModelSpec.__dataclass_fields__ if f != "seed"]
    if "seed" in value:
        raise SpecError(
            f"{where}: seed is set per run by the sweep's seeds; give seeds = [{value['seed']!r}] instead of {where} "
            "seed"
        )
    unknown = sorted(set(value) - set(valid))
    if unknown:
        raise SpecError(f"{where}: unknown spec field(s) {', '.join(unknown)}; valid fields: {', '.join(valid)}")
    return value


def _task_settings(tables: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(tables, dict):
        raise SpecError(f"[task.NAME] tables expected, got task = {tables!r}")
    out = {}
    for name, settings in tables.items():
        task = get_task(name)
        if not isinstance(settings, dict):
            raise SpecError(f"[task.{name}] must be a table, got {settings!r}")
        settings = dict(settings)
        unknown = sorted(set(settings) - set(task.params) - {"epochs", "spec"})
        if unknown:
            valid = ", ".join([*task.params, "epochs", "spec"])
            raise SpecError(f"[task.{name}]: unknown key(s) {', '.join(unknown)}; valid: {valid}")
        if "spec" in settings:
            settings["spec"] = _spec_changes(settings["spec"], f"[task.{name}.spec]")
        if "epochs" in settings:
            _positive_int(settings["epochs"], f"[task.{name}] epochs")
        task.with_params(**{k: v for k, v in settings.items() if k not in ("epochs", "spec")})  # checks each value
        out[name] = settings
    return out


def from_mapping(data: dict[str, Any], base: SweepConfig | None = None) -> SweepConfig:
    """A config from a parsed TOML document (keys checked, values validated)."""
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise SpecError(f"unknown config key(s) {', '.join(unknown)}; valid keys: {', '.join(TOP_KEYS)}")
    cfg = dict(vars(base or SweepConfig()))
    if "tasks" in data:
        cfg["tasks"] = _once_each([t.name for t in parse_tasks(",".join(_names(data["tasks"], "tasks")))], "tasks")
        # The base's settings (a grid's epochs) of tasks this mapping leaves out no longer
        # apply; a mapping's own [task.NAME] for a task it leaves out is still refused.
        cfg["task_settings"] = {k: v for k, v in cfg["task_settings"].items() if k in cfg["tasks"]}
    if "task" in data:
        cfg["task_settings"] = _task_settings(data["task"])
    if "impls" in data:
        cfg["impls"] = parse_impls(",".join(_once_each(_names(data["impls"], "impls"), "impls")))
    if "seeds" in data:
        cfg["seeds"] = parse_seeds(data["seeds"])
    if "epochs" in data and "task" not in data:
        # Epochs for every task replace a base's (a grid's) per-task epochs and the
        # evaluation period chosen for them.
        cfg["task_settings"] = {
            k: {kk: vv for kk, vv in v.items() if kk != "epochs"} for k, v in cfg["task_settings"].items()
        }
        cfg["task_settings"] = {k: v for k, v in cfg["task_settings"].items() if v}
        cfg["eval_every"] = None
    for key in ("epochs", "eval_every"):
        if key in data:
            cfg[key] = _positive_int(data[key], key)
    if "threads" in data:
        cfg["threads"] = check_threads(data["threads"])
    if "warmup_steps" in data:
        value = data["warmup_steps"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SpecError(f"warmup_steps must be a non-negative integer, got {value!r}")
        cfg["warmup_steps"] = value
    if "spec" in data:
        cfg["spec"] = _spec_changes(data["spec"], "[spec]")
    return SweepConfig(**cfg)


def grid(name: str) -> SweepConfig:
    """The named grid of ``GRIDS`` as a config (an unknown name is one SpecError line)."""
    if name not in GRIDS:
        raise SpecError(f"unknown grid {name!r}; choose from: {', '.join(GRIDS)}")
    return from_mapping(GRIDS[name])


def load(path: str) -> SweepConfig:
    """Read a TOML config file; every problem becomes one SpecError line."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise SpecError(f"config file {path!r} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(
            f"config file {path} is not valid TOML: {exc}; see the config example in docs/benchmarks/running.md"
        ) from None
    except UnicodeDecodeError:
        raise SpecError(f"config file {path} is not UTF-8 text (is it a TOML file?); save it as UTF-8 TOML") from None
    except IsADirectoryError:
        raise SpecError(f"config file {path!r} is a folder; give the TOML file inside it") from None
    except OSError as exc:
        raise SpecError(f"cannot read config file {path}: {exc.strerror}") from None
    return from_mapping(data)


def parse_impls(text: str) -> tuple[str, ...]:
    names = list(IMPLEMENTATIONS) if text.strip() == "all" else [i.strip() for i in text.split(",") if i.strip()]
    unknown = [n for n in names if n not in IMPLEMENTATIONS]
    if unknown or not names:
        raise SpecError(
            f"unknown implementation(s) {', '.join(unknown) or '(none)'}; choose from: {', '.join(IMPLEMENTATIONS)} "
            "(or 'all')"
        )
    return tuple(dict.fromkeys(names))
